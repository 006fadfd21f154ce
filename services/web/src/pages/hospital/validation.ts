/**
 * Client-side checks with the same rules as the API (packages/domain/src/shared/clinical.ts and identity.ts),
 * so that mistakes are shown beside the field before anything is sent. The server checks again.
 */

export type Errors = Record<string, string>;

/** What a FormField is told: its path (for `field-<path>`, `error-<path>`), label, hint, error, and whether required. */
export interface FieldProps {
  path: string;
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean | undefined;
}
type Translate = (key: string, params?: Record<string, unknown>) => string;

// The rules are the API's own (packages/domain/src/shared/rules.ts), imported, not copied.
import {
  ALLOWED_CLOCK_SKEW_MS,
  CONSCIOUSNESS_LEVELS as CONSCIOUSNESS,
  ID_PATTERN as ID,
  isValidIdCardNumber,
  PHONE_PATTERN as PHONE,
  type TextKind,
  textProblem,
  VITAL_SIGN_RANGES as VITAL_SIGNS,
} from "@mtc/domain/rules";

export { CONSCIOUSNESS, ID, isValidIdCardNumber, PHONE, VITAL_SIGNS };

/** A number input's value (Vue gives a number, or the raw string when it is empty or not a number). */
export type NumberInput = number | string | null | undefined;

/** The number in an input; undefined when empty, NaN when not a number. */
export const parseNumber = (raw: NumberInput): number | undefined => {
  if (raw === null || raw === undefined) return undefined;
  if (typeof raw === "number") return raw;
  const text = raw.trim();
  if (text === "") return undefined;
  return Number(text);
};

/** Collects one message per field path, translated under `hospital.validation.*`. */
export const checker = (t: Translate) => {
  const errors: Errors = {};
  const set = (path: string, key: string, params: Record<string, unknown> = {}) => {
    if (!(path in errors)) errors[path] = t(`hospital.validation.${key}`, params);
  };
  /** The API's one text rule (rules.ts): control, invisible and broken characters, empty names, length. */
  const text = (path: string, value: string, max: number, required = true, kind: TextKind = "long"): void => {
    if (value.trim() === "") {
      if (required) set(path, "required");
      return;
    }
    const problem = textProblem(value, kind, max);
    if (problem) set(path, `text_${problem.code}`, { character: problem.character ?? "", max });
  };
  return {
    errors,
    set,
    text,
    /** A person's name (PersonName: 1-50 characters). */
    person: (path: string, value: string, required = true) => text(path, value, 50, required, "name"),
    id: (path: string, value: string, required = true): void => {
      const v = value.trim();
      if (v === "") {
        if (required) set(path, "required");
      } else if (!ID.test(v)) set(path, "id");
    },
    choice: (path: string, value: string, allowed: readonly string[]): void => {
      if (value === "") set(path, "required");
      else if (!allowed.includes(value)) set(path, "choice");
    },
    idCard: (path: string, value: string): void => {
      const v = value.trim().toUpperCase();
      if (v !== "" && !isValidIdCardNumber(v)) set(path, "idCard");
    },
    phone: (path: string, value: string): void => {
      const v = value.trim();
      if (v !== "" && !PHONE.test(v)) set(path, "phone");
    },
    number: (
      path: string,
      raw: NumberInput,
      range: { min: number; max: number; integer?: boolean; required?: boolean },
    ): void => {
      const n = parseNumber(raw);
      if (n === undefined) {
        if (range.required) set(path, "required");
        return;
      }
      if (Number.isNaN(n)) set(path, "number");
      else if (range.integer && !Number.isInteger(n)) set(path, "integer");
      else if (n < range.min || n > range.max) set(path, "range", { min: range.min, max: range.max });
    },
    /** A datetime-local value; `notFuture` for the time a step happened. */
    instant: (path: string, local: string, options: { required?: boolean; notFuture?: boolean } = {}) => {
      if (local === "") {
        if (options.required ?? true) set(path, "required");
        return;
      }
      const at = new Date(local).getTime();
      if (Number.isNaN(at)) set(path, "instant");
      else if (options.notFuture && at > Date.now() + ALLOWED_CLOCK_SKEW_MS) set(path, "future");
    },
  };
};

/** Lines of a textarea, trimmed, without empty ones. */
export const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** A comma (or 、，;) separated list, trimmed, without empty entries. */
export const commaList = (text: string): string[] =>
  text
    .split(/[,，、;；\n]/)
    .map((l) => l.trim())
    .filter((l) => l !== "");

/** A server field path as the form shows it: array entries (`reasons.0`) belong to their array (`reasons`). */
export const fieldPath = (path: string): string => {
  const parts = path.split(".");
  const numeric = parts.findIndex((p) => /^\d+$/.test(p));
  return numeric > 0 ? parts.slice(0, numeric).join(".") : path;
};
