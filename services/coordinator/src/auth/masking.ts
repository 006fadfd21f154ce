import { maskPatientIdentity, type PatientIdentity } from "@mtc/domain";
import { identityMaskedRoles, type Principal } from "./roles.js";

/** Replaces every `patient` identity inside a value with its masked form, for roles that do not need it. */
export const maskIdentities = <T>(principal: Principal, value: T): T =>
  identityMaskedRoles.has(principal.role) ? (maskDeep(value) as T) : value;

/**
 * Copies only the objects and arrays on the way to a `patient`; everything else is shared with the input, which
 * is never changed. A board of a thousand items was otherwise rebuilt entry by entry for every masked read.
 */
const maskDeep = (value: unknown): unknown => {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const inner: unknown = value[i];
      const masked = maskDeep(inner);
      if (masked !== inner) {
        copy ??= value.slice();
        copy[i] = masked;
      }
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, inner] of Object.entries(value)) {
    const masked =
      key === "patient" && inner !== null && typeof inner === "object"
        ? maskPatientIdentity(inner as PatientIdentity)
        : maskDeep(inner);
    if (masked !== inner) {
      copy ??= { ...value };
      copy[key] = masked;
    }
  }
  return copy ?? value;
};
