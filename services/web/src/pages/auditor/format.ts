import { ref } from "vue";
import { api } from "../../lib/api.js";
import type { Reference } from "./auditTypes.js";

const SHANGHAI = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** An instant as Asia/Shanghai local time, `yyyy-MM-dd HH:mm:ss` (the region's clock, whatever the browser's). */
export const shanghaiTime = (iso: string | null | undefined): string => {
  if (!iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const parts = Object.fromEntries(SHANGHAI.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
};

/** A `yyyy-MM-dd` date field read as a day in Asia/Shanghai: its first (or last) instant, ISO. */
export const shanghaiDayStart = (day: string): string => new Date(`${day}T00:00:00.000+08:00`).toISOString();
export const shanghaiDayEnd = (day: string): string => new Date(`${day}T23:59:59.999+08:00`).toISOString();

/** Reference data (institution names, ambulances), loaded once for the page. */
const reference = ref<Reference | null>(null);
let loading: Promise<void> | null = null;

export const useReference = () => {
  if (!reference.value && !loading) {
    loading = api
      .get<Reference>("/api/reference")
      .then((data) => {
        reference.value = data;
      })
      .catch(() => {
        // Names fall back to ids; the page still works.
        loading = null;
      });
  }
  const institutionName = (id: string | null | undefined): string =>
    id ? (reference.value?.institutions.find((i) => i.id === id)?.name ?? id) : "";
  const ambulance = (id: string) => reference.value?.ambulances.find((a) => a.id === id);
  return { reference, institutionName, ambulance };
};
