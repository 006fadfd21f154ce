import type { RiskGrade } from "../shared/risk.js";
import type { Institution, InstitutionKind } from "./reference.js";

/** Kinds that do not admit patients: a referral or transfer cannot be addressed to them. */
const NON_RECEIVING: ReadonlySet<InstitutionKind> = new Set([
  "dispatch_centre",
  "blood_station",
  "primary_clinic",
]);

/**
 * Why an institution cannot receive a woman of this grade, or undefined when it can.
 * 002 二(三), R-RISK-5: every grade but green gives birth and is cared for at level 2 or above; primary
 * clinics refer upward (002 二(五), R-REF-1); dispatch centres and blood stations admit nobody.
 */
export const cannotReceive = (institution: Institution, riskGrade: RiskGrade): string | undefined => {
  if (NON_RECEIVING.has(institution.kind)) {
    return `${institution.name} (${institution.kind}) does not admit patients`;
  }
  if (riskGrade !== "green" && institution.level < 2) {
    return `${institution.name} is level ${institution.level}; a ${riskGrade} woman is cared for at level 2 or above (002 二(三))`;
  }
  return undefined;
};
