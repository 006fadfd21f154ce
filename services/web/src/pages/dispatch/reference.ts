import { shallowRef } from "vue";
import { api } from "../../lib/api.js";
import type { Ambulance, Institution, Reference } from "../../lib/types.js";

export type { Ambulance, Institution } from "../../lib/types.js";

/** The part of `GET /api/reference` this page uses. */
export type ReferenceData = Pick<Reference, "institutions" | "ambulances">;

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
