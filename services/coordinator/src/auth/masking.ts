import { maskPatientIdentity, type PatientIdentity } from "@mtc/domain";
import { identityMaskedRoles, type Principal } from "./roles.js";

/** Replaces every `patient` identity inside a value with its masked form, for roles that do not need it. */
export const maskIdentities = <T>(principal: Principal, value: T): T =>
  identityMaskedRoles.has(principal.role) ? (maskDeep(value) as T) : value;

const maskDeep = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(maskDeep);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) =>
      key === "patient" && inner !== null && typeof inner === "object"
        ? [key, maskPatientIdentity(inner as PatientIdentity)]
        : [key, maskDeep(inner)],
    ),
  );
};
