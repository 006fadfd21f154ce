import type { Ambulance, Institution, ReferenceData, ResponsibilityZone } from "./reference.js";

/** Read-only lookups over the region's reference data, as the deciders need them. */
export interface ReferenceLookup {
  readonly data: ReferenceData;
  institution(id: string): Institution | undefined;
  ambulance(id: string): Ambulance | undefined;
  /** The responsibility zone that covers an institution: listed by id, else by its county (000 §十一). */
  zoneOf(institutionId: string): ResponsibilityZone | undefined;
}

export const referenceLookup = (data: ReferenceData): ReferenceLookup => {
  const institutions = new Map(data.institutions.map((i) => [i.id, i]));
  const ambulances = new Map(data.ambulances.map((a) => [a.id, a]));
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
  };
};
