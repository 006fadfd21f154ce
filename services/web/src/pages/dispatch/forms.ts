import { reactive, ref } from "vue";
import { useI18n } from "vue-i18n";
import { ApiError, api, newIdempotencyKey } from "../../lib/api.js";
import { useErrorText } from "../../lib/errors.js";

const pad = (n: number): string => String(n).padStart(2, "0");

/** A date as the value of a `datetime-local` input (local time, to the second). */
export const toLocalInput = (d: Date): string =>
  `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

/** The ISO instant of a `datetime-local` value, or null when it is not a date. */
export const fromLocalInput = (value: string): string | null => {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
};

/** The occurredAt field: "now" unless the user changes it (then the time typed, converted to ISO). */
export const useOccurredAt = () => {
  const value = ref(toLocalInput(new Date()));
  const touched = ref(false);
  return {
    value,
    touched,
    /** The instant to send, or null (with an error) when the typed value is not a time. */
    instant: (): string | null => (touched.value ? fromLocalInput(value.value) : new Date().toISOString()),
  };
};

/** Vital signs (生命体征) and their ranges: the API's own rules, imported. */
import {
  CONSCIOUSNESS_LEVELS as CONSCIOUSNESS,
  type TextKind,
  textProblem,
  VITAL_SIGN_RANGES as VITALS,
} from "@mtc/domain/rules";

export { CONSCIOUSNESS, VITALS };

export type VitalsInput = Record<(typeof VITALS)[number]["key"] | "consciousness", string>;
export const emptyVitals = (): VitalsInput => ({
  systolicBp: "",
  diastolicBp: "",
  heartRate: "",
  respiratoryRate: "",
  spo2: "",
  temperatureC: "",
  consciousness: "",
});

/** Client-side checks with the API's rules, messages in the user's language. */
export const useValidation = (errors: Record<string, string>) => {
  const { t } = useI18n();
  /** The API's one text rule (rules.ts); answers the text to send (NFC, trimmed) or undefined with an error. */
  const text = (path: string, value: string, max: number, kind: TextKind = "long"): string | undefined => {
    if (value.trim().length === 0) {
      errors[path] = t("dispatch.validation.required");
      return undefined;
    }
    const problem = textProblem(value, kind, max);
    if (!problem) return value.normalize("NFC").trim();
    errors[path] = t(`hospital.validation.text_${problem.code}`, { character: problem.character ?? "", max });
    return undefined;
  };
  const optionalNumber = (
    path: string,
    value: string,
    rule: { min: number; max: number; integer: boolean },
  ): number | undefined => {
    const trimmed = String(value ?? "").trim();
    if (trimmed === "") return undefined;
    const n = Number(trimmed);
    if (!Number.isFinite(n)) errors[path] = t("dispatch.validation.number");
    else if (rule.integer && !Number.isInteger(n)) errors[path] = t("dispatch.validation.integer");
    else if (n < rule.min || n > rule.max)
      errors[path] = t("dispatch.validation.range", { min: rule.min, max: rule.max });
    else return n;
    return undefined;
  };
  const vitals = (prefix: string, input: VitalsInput): Record<string, number | string> => {
    const out: Record<string, number | string> = {};
    for (const rule of VITALS) {
      const n = optionalNumber(`${prefix}.${rule.key}`, input[rule.key], rule);
      if (n !== undefined) out[rule.key] = n;
    }
    if (input.consciousness) out.consciousness = input.consciousness;
    return out;
  };
  const instant = (path: string, occurredAt: ReturnType<typeof useOccurredAt>): string | undefined => {
    const value = occurredAt.instant();
    if (value === null) {
      errors[path] = t("dispatch.validation.time");
      return undefined;
    }
    if (Date.parse(value) > Date.now() + 5 * 60_000) {
      errors[path] = t("dispatch.validation.future");
      return undefined;
    }
    return value;
  };
  return { text, optionalNumber, vitals, instant };
};

/**
 * A command form: busy flag, field errors by body path, a form-level error in words. Server field errors go
 * beside the field whose path is the longest prefix of the error's path (`escorts.0` → `escorts`).
 */
export const useCommandForm = (fields: () => string[]) => {
  const errorText = useErrorText();
  const { t } = useI18n();
  const errors = reactive<Record<string, string>>({});
  const formError = ref("");
  const busy = ref(false);

  const clear = () => {
    for (const key of Object.keys(errors)) delete errors[key];
    formError.value = "";
  };

  const showServerErrors = (error: unknown) => {
    if (error instanceof ApiError && error.status === 400 && error.errors.length > 0) {
      const known = fields();
      const unplaced: string[] = [];
      for (const [path, message] of Object.entries(error.fieldErrors())) {
        const field = known
          .filter((f) => path === f || path.startsWith(`${f}.`))
          .sort((a, b) => b.length - a.length)[0];
        if (field) errors[field] = message;
        else unplaced.push(`${path}: ${message}`);
      }
      formError.value = unplaced.length > 0 ? errorText(error) : t("dispatch.validation.fixFields");
      if (unplaced.length > 0) formError.value += ` (${unplaced.join("; ")})`;
    } else {
      formError.value = errorText(error);
    }
  };

  // A retry after a network failure or a server error reuses the key (the command runs at most once); after a
  // definite answer (4xx) the corrected command is a new request with a new key.
  let key = newIdempotencyKey();

  /** Sends the command; true when it was accepted. */
  const send = async (url: string, body: unknown): Promise<boolean> => {
    busy.value = true;
    formError.value = "";
    try {
      await api.command(url, body, key);
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.status >= 400 && error.status < 500) key = newIdempotencyKey();
      showServerErrors(error);
      return false;
    } finally {
      busy.value = false;
    }
  };

  return { errors, formError, busy, clear, send };
};
