import type { Ambulance, Institution, ReferenceData, ResponsibilityZone } from "./reference.js";

/** Read-only lookups over the region's reference data, as the deciders need them. */
export interface ReferenceLookup {
  readonly data: ReferenceData;
  institution(id: string): Institution | undefined;
  ambulance(id: string): Ambulance | undefined;
  /** The responsibility zone that covers an institution: listed by id, else by its county (000 §十一). */
  zoneOf(institutionId: string): ResponsibilityZone | undefined;
  /** The blood station an institution's emergency blood plan names (000 §二十二(二), R-BLD-3). */
  bloodStationOf(institutionId: string): Institution | undefined;
}

export const referenceLookup = (data: ReferenceData): ReferenceLookup => {
  const institutions = new Map(data.institutions.map((i) => [i.id, i]));
  const ambulances = new Map(data.ambulances.map((a) => [a.id, a]));
  const bloodStations = new Map(data.bloodSupplyPlans.map((p) => [p.institutionId, p.bloodStationId]));
  return {
    data,
    institution: (id) => institutions.get(id),
    ambulance: (id) => ambulances.get(id),
    zoneOf: (institutionId) => {
      const byId = data.zones.find((z) => z.institutionIds.includes(institutionId));
      if (byId) return byId;
      const county = institutions.get(institutionId)?.countyId;
      return county === undefined ? undefined : data.zones.find((z) => z.countyIds.includes(county));
    },
    bloodStationOf: (institutionId) => {
      const station = institutions.get(bloodStations.get(institutionId) ?? "");
      return station?.kind === "blood_station" ? station : undefined;
    },
  };
};
