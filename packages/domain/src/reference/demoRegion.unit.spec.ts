import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { referenceLookup } from "./lookup.js";
import { AmbulanceType, InstitutionKind, ReferenceData } from "./reference.js";

// The demo region the coordinator service seeds (services/coordinator/demo/region.json).
const file = new URL("../../../../services/coordinator/demo/region.json", import.meta.url);
const data = ReferenceData.parse(JSON.parse(readFileSync(file, "utf8")));
const lookup = referenceLookup(data);

describe("demo region (services/coordinator/demo/region.json)", () => {
  it("000 §十一(一)(二) 分片包干: every zone's centres and listed institutions exist, with the right kinds", () => {
    for (const zone of data.zones) {
      expect(lookup.institution(zone.maternalRescueCentreId)?.kind, zone.id).toBe("maternal_rescue_centre");
      if (zone.neonatalRescueCentreId !== undefined) {
        expect(lookup.institution(zone.neonatalRescueCentreId)?.kind, zone.id).toBe("neonatal_rescue_centre");
      }
      for (const id of zone.institutionIds) expect(lookup.institution(id), `${zone.id}: ${id}`).toBeDefined();
    }
  });

  it("R-BLD-3 000 §二十二(二): every rescue centre and midwifery hospital has an emergency blood plan with a station", () => {
    const deliver = data.institutions.filter((i) =>
      ["maternal_rescue_centre", "mch_hospital", "general_hospital", "midwifery_hospital"].includes(i.kind),
    );
    expect(deliver.length).toBeGreaterThan(0);
    for (const institution of deliver)
      expect(lookup.bloodStationOf(institution.id)?.kind, institution.id).toBe("blood_station");
    // 000 §二十二(三) asks a blood bank of level-2 institutions and above; the demo gives township clinics no plan.
    expect(lookup.bloodStationOf("qc_shiqiao_thc")).toBeUndefined();
  });

  it("000 §十一(二): the zones cover every institution that can refer (the network reaches all midwifery units)", () => {
    const referring = data.institutions.filter(
      (i) => i.kind !== "dispatch_centre" && i.kind !== "blood_station",
    );
    for (const institution of referring) expect(lookup.zoneOf(institution.id), institution.id).toBeDefined();
    // An institution listed by id belongs to that zone even when its county belongs to another.
    expect(lookup.zoneOf("lj_huangni_thc")?.id).toBe("zone_south");
    expect(lookup.zoneOf("lj_shawan_thc")?.id).toBe("zone_north");
  });

  it("has institutions of every kind and ambulances of every type, ids unique", () => {
    expect(new Set(data.institutions.map((i) => i.kind))).toEqual(new Set(InstitutionKind.options));
    expect(new Set(data.ambulances.map((a) => a.type))).toEqual(new Set(AmbulanceType.options));
    expect(data.ambulances.filter((a) => a.type === "monitored").length).toBeGreaterThanOrEqual(2);
    expect(data.ambulances.filter((a) => a.type === "ordinary").length).toBeGreaterThanOrEqual(2);
    const ids = data.institutions.map((i) => i.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ambulance of data.ambulances)
      expect(lookup.institution(ambulance.baseInstitutionId)).toBeDefined();
  });
});
