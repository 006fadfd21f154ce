import { referenceLookup } from "../reference/lookup.js";
import { ReferenceData } from "../reference/reference.js";
import type { DecisionContext } from "../shared/context.js";

/** A small region for specifications: one zone covering county c1; county c9 is covered by no zone. */
export const fixtureReference = ReferenceData.parse({
  region: { id: "test", code: "TS", name: "测试市", timeZone: "Asia/Shanghai" },
  institutions: [
    {
      id: "clinic1",
      name: "一镇卫生院",
      kind: "primary_clinic",
      level: 1,
      administrativeLevel: "county",
      countyId: "c1",
      contactPhone: "0531-1234567",
    },
    {
      id: "clinic9",
      name: "九镇卫生院",
      kind: "primary_clinic",
      level: 1,
      administrativeLevel: "county",
      countyId: "c9",
      contactPhone: "0531-1234568",
    },
    {
      id: "mch1",
      name: "一县妇幼保健院",
      kind: "mch_hospital",
      level: 2,
      administrativeLevel: "county",
      countyId: "c1",
      contactPhone: "0531-1234569",
    },
    {
      id: "gen1",
      name: "一县人民医院",
      kind: "general_hospital",
      level: 2,
      administrativeLevel: "county",
      countyId: "c1",
      contactPhone: "0531-1234570",
    },
    {
      id: "mw1",
      name: "一镇助产所",
      kind: "midwifery_hospital",
      level: 1,
      administrativeLevel: "county",
      countyId: "c1",
      contactPhone: "0531-1234575",
    },
    {
      id: "centre",
      name: "市危重孕产妇救治中心",
      kind: "maternal_rescue_centre",
      level: 3,
      administrativeLevel: "city",
      countyId: "city",
      contactPhone: "0531-1234571",
    },
    {
      id: "neo",
      name: "市危重新生儿救治中心",
      kind: "neonatal_rescue_centre",
      level: 3,
      administrativeLevel: "city",
      countyId: "city",
      contactPhone: "0531-1234572",
    },
    {
      id: "disp",
      name: "市120急救指挥中心",
      kind: "dispatch_centre",
      level: 2,
      administrativeLevel: "city",
      countyId: "city",
      contactPhone: "0531-1234573",
    },
    {
      id: "blood",
      name: "市中心血站",
      kind: "blood_station",
      level: 2,
      administrativeLevel: "city",
      countyId: "city",
      contactPhone: "0531-1234574",
    },
  ],
  ambulances: [
    { id: "amb_mon", callSign: "监护1", type: "monitored", baseInstitutionId: "disp" },
    { id: "amb_inf", callSign: "负压1", type: "infectious_disease", baseInstitutionId: "disp" },
    { id: "amb_neo", callSign: "新生儿1", type: "neonatal", baseInstitutionId: "neo" },
    { id: "amb_ord", callSign: "普通1", type: "ordinary", baseInstitutionId: "disp" },
  ],
  zones: [
    {
      id: "zone1",
      name: "一县片区",
      maternalRescueCentreId: "centre",
      neonatalRescueCentreId: "neo",
      countyIds: ["c1"],
      institutionIds: [],
    },
  ],
  // 000 §二十二(二): the county MCH hospital and the rescue centre have an emergency blood plan; the clinic none.
  bloodSupplyPlans: [
    { institutionId: "mch1", bloodStationId: "blood" },
    { institutionId: "centre", bloodStationId: "blood" },
  ],
});

/** The fixed clock of every specification. */
export const NOW = new Date("2025-03-10T08:00:00.000Z");

export const fixtureContext = (data = fixtureReference): DecisionContext => ({
  now: NOW,
  reference: referenceLookup(data),
});

/** An instant `minutes` before NOW, as occurredAt strings are written. */
export const minutesAgo = (minutes: number): string =>
  new Date(NOW.getTime() - minutes * 60_000).toISOString();
