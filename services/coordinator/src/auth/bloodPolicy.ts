import { type BloodCommand, bloodStreamId, type DomainEvent } from "@mtc/domain";
import { forbidden, notFound } from "../errors.js";
import { institutionBoundRoles, type Principal, type Role } from "./roles.js";

/** The two parties of a blood request: the hospital that asks and the station of its plan (000 §二十二). */
export interface BloodParties {
  caseId: string;
  hospitalId: string;
  stationId: string;
}

export const bloodPartiesOf = (history: readonly DomainEvent[]): BloodParties | undefined => {
  for (const { type, data } of history)
    if (type === "BloodRequested")
      return {
        caseId: data.caseId,
        hospitalId: data.requestingInstitutionId,
        stationId: data.bloodStationId,
      };
  return undefined;
};

const staff: readonly Role[] = ["hospital_staff", "medical_affairs"];

/**
 * Who does each step: the requesting hospital asks and cancels; the station acknowledges, issues, packs and hands
 * over; the delivery to the scene is recorded by the hospital that received it or by the station that brought it
 * (000 §二十二(七): 送达急救现场).
 */
const STEP_ROLES: Record<Exclude<BloodCommand["type"], "RequestBlood">, "hospital" | "station" | "either"> = {
  AddToBloodRequest: "hospital",
  CancelBloodRequest: "hospital",
  RecordBloodDelivered: "either",
  AcknowledgeBloodRequest: "station",
  StartBloodPreparation: "station",
  IssueBlood: "station",
  PackBlood: "station",
  HandOverBlood: "station",
};

/** Does this blood request concern the principal? Region-wide roles see all; others only their institution's. */
export const concernsBlood = (principal: Principal, parties: BloodParties): boolean =>
  !institutionBoundRoles.has(principal.role) ||
  principal.institutionId === parties.hospitalId ||
  principal.institutionId === parties.stationId;

/**
 * Roles first (403), then the record: a request of another hospital or station answers the very 404 of an
 * unknown one; a party doing the other party's step gets a 403.
 */
export const authoriseBloodCommand = (
  history: readonly DomainEvent[],
  principal: Principal,
  command: BloodCommand,
): void => {
  if (principal.role === "auditor") throw forbidden("auditors read; they do not write");
  const what = command.type.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
  if (command.type === "RequestBlood") {
    if (!staff.includes(principal.role)) throw forbidden(`role ${principal.role} may not request blood`);
    if (principal.institutionId !== command.data.requestingInstitutionId)
      throw forbidden("you may request blood only for your own institution");
    return;
  }
  const side = STEP_ROLES[command.type];
  const roles: readonly Role[] =
    side === "hospital" ? staff : side === "station" ? ["blood_station"] : [...staff, "blood_station"];
  if (!roles.includes(principal.role)) throw forbidden(`role ${principal.role} may not ${what}`);
  const parties = bloodPartiesOf(history);
  if (!parties) return;
  if (!concernsBlood(principal, parties)) throw notFound(`record ${bloodStreamId(command.bloodRequestId)}`);
  const own = principal.role === "blood_station" ? parties.stationId : parties.hospitalId;
  if (principal.institutionId !== own) throw forbidden(`only the ${side} of this request may ${what}`);
};
