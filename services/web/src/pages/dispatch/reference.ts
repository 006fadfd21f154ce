import { shallowRef } from "vue";
import { api } from "../../lib/api.js";

export interface Institution {
  id: string;
  name: string;
  kind: string;
  level: number;
  countyId: string;
  contactPhone: string;
}
export interface Ambulance {
  id: string;
  callSign: string;
  type: string;
  baseInstitutionId: string;
}
export interface ReferenceData {
  institutions: Institution[];
  ambulances: Ambulance[];
}

/** Region reference data (institution names, ambulances), loaded once for the page. */
export const reference = shallowRef<{
  institutions: Map<string, Institution>;
  ambulances: Map<string, Ambulance>;
  list: ReferenceData;
} | null>(null);

export const loadReference = async (): Promise<void> => {
  const data = await api.get<ReferenceData>("/api/reference");
  reference.value = {
    institutions: new Map(data.institutions.map((i) => [i.id, i])),
    ambulances: new Map(data.ambulances.map((a) => [a.id, a])),
    list: data,
  };
};

export const institutionName = (id: string | null | undefined): string =>
  id ? (reference.value?.institutions.get(id)?.name ?? id) : "—";

export const callSign = (id: string | null | undefined): string =>
  id ? (reference.value?.ambulances.get(id)?.callSign ?? id) : "";
