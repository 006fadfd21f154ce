import {
  type DomainEvent,
  type ReferralCommand,
  referralStreamId,
  type TransferCommand,
  transferStreamId,
} from "@mtc/domain";
import { forbidden, notFound } from "../errors.js";
import { institutionBoundRoles, type Principal, type Role } from "./roles.js";

/**
 * Who may act and see. A hospital acts only on what is addressed to it or comes from it; auditors read only.
 * The parties of a record are read off its events, so the policy needs no state of its own.
 */
export interface Parties {
  caseId: string;
  /** 转出机构 */
  sender?: string | undefined;
  /** 转入机构: the current destination. */
  receiver: string;
  /** Destinations it was redirected or diverted away from: they keep seeing the record they handled. */
  formerReceivers: string[];
}

export const partiesOf = (history: readonly DomainEvent[]): Parties | undefined => {
  let parties: Parties | undefined;
  for (const { type, data } of history) {
    switch (type) {
      case "ReferralRequested":
        parties = {
          caseId: data.caseId,
          sender: data.fromInstitutionId,
          receiver: data.toInstitutionId,
          formerReceivers: [],
        };
        break;
      case "OffProtocolArrivalRegistered":
        parties = {
          caseId: data.caseId,
          sender: data.fromInstitutionId,
          receiver: data.institutionId,
          formerReceivers: [],
        };
        break;
      case "TransferRequested":
        parties = {
          caseId: data.caseId,
          sender: data.originInstitutionId,
          receiver: data.destinationInstitutionId,
          formerReceivers: [],
        };
        break;
      case "ReferralRedirected":
      case "TransferDiverted":
        if (parties)
          parties = {
            ...parties,
            receiver: data.toInstitutionId,
            formerReceivers: [...parties.formerReceivers, data.fromInstitutionId],
          };
        break;
      default:
        break;
    }
  }
  return parties;
};

/** Does this record concern the principal? Region-wide roles see everything; others only their institution's. */
export const concerns = (principal: Principal, parties: Parties): boolean => {
  if (!institutionBoundRoles.has(principal.role)) return true;
  const own = principal.institutionId;
  return own === parties.sender || own === parties.receiver || parties.formerReceivers.includes(own ?? "");
};

type Side = "sender" | "receiver";
interface Permission {
  roles: readonly Role[];
  /** For institution-bound roles: which side of the record their institution must be. */
  sides: readonly Side[];
}

const staff: Role[] = ["hospital_staff", "medical_affairs"];

const referralPermissions: Record<
  Exclude<ReferralCommand["type"], "RequestReferral" | "RegisterOffProtocolArrival">,
  Permission
> = {
  AcceptReferral: { roles: staff, sides: ["receiver"] },
  DeclineReferral: { roles: staff, sides: ["receiver"] },
  RecordReception: { roles: staff, sides: ["receiver"] },
  CompleteReferral: { roles: staff, sides: ["receiver"] },
  // 000 §十(六): the health administration coordinates an upper-level consultation or transfer.
  RedirectReferral: { roles: [...staff, "health_admin"], sides: ["receiver", "sender"] },
  EscalateReferral: { roles: staff, sides: ["receiver", "sender"] },
  CancelReferral: { roles: staff, sides: ["sender"] },
};

const transferPermissions: Record<Exclude<TransferCommand["type"], "RequestTransfer">, Permission> = {
  // 000 §十(四), §十二(二): the dispatch centre dispatches the area's ambulances centrally.
  DispatchUnit: { roles: ["dispatcher"], sides: [] },
  RecordUnitArrivedAtOrigin: { roles: ["dispatcher", ...staff], sides: ["sender"] },
  RecordDeparture: { roles: ["dispatcher", ...staff], sides: ["sender"] },
  // 000 §十二(五)(七): the escort from the transferring institution treats en route and receives guidance.
  RecordEnRouteCare: { roles: ["dispatcher", ...staff], sides: ["sender"] },
  RecordRemoteGuidance: { roles: ["dispatcher", ...staff], sides: ["sender", "receiver"] },
  RecordArrival: { roles: ["dispatcher", ...staff], sides: ["receiver"] },
  CompleteHandover: { roles: staff, sides: ["receiver"] },
  DivertTransfer: { roles: ["dispatcher", "health_admin"], sides: [] },
  CancelTransfer: { roles: ["dispatcher", ...staff], sides: ["sender"] },
  // Issue 9 §1, R-TRF-7: the crew (escort of the sender) or the dispatcher gives the ETA; the receiving
  // institution (its staff or medical affairs) acknowledges the pre-arrival alert.
  UpdateArrivalEta: { roles: ["dispatcher", ...staff], sides: ["sender"] },
  AcknowledgePreArrivalAlert: { roles: staff, sides: ["receiver"] },
};

const refuseReaders = (principal: Principal) => {
  if (principal.role === "auditor") throw forbidden("auditors read; they do not write");
};

/**
 * Roles first (403: the role may never do this), then the record: another institution's record answers the very
 * 404 of an unknown one (issue 8 finding 1: no existence oracle); a party on the wrong side gets a 403.
 */
const check = (
  principal: Principal,
  permission: Permission,
  parties: Parties | undefined,
  what: string,
  streamId: string,
): void => {
  refuseReaders(principal);
  if (!permission.roles.includes(principal.role)) throw forbidden(`role ${principal.role} may not ${what}`);
  if (!institutionBoundRoles.has(principal.role) || !parties) return;
  if (!concerns(principal, parties)) throw notFound(`record ${streamId}`);
  const own = principal.institutionId;
  const onSide = permission.sides.some((side) => parties[side] === own);
  if (!onSide)
    throw forbidden(`this record is not addressed to or sent by your institution; you may not ${what}`);
};

const forOwnInstitution = (
  principal: Principal,
  institutionId: string | undefined,
  roles: readonly Role[],
  what: string,
) => {
  refuseReaders(principal);
  if (!roles.includes(principal.role)) throw forbidden(`role ${principal.role} may not ${what}`);
  if (institutionBoundRoles.has(principal.role) && principal.institutionId !== institutionId) {
    throw forbidden(`you may ${what} only for your own institution`);
  }
};

export const authoriseReferralCommand = (
  history: readonly DomainEvent[],
  principal: Principal,
  command: ReferralCommand,
): void => {
  switch (command.type) {
    case "RequestReferral":
      forOwnInstitution(principal, command.data.fromInstitutionId, staff, "raise a referral");
      break;
    case "RegisterOffProtocolArrival":
      forOwnInstitution(principal, command.data.institutionId, staff, "register an arrival");
      break;
    default:
      check(
        principal,
        referralPermissions[command.type],
        partiesOf(history),
        describe(command.type),
        referralStreamId(command.referralId),
      );
  }
};

export const authoriseTransferCommand = (
  history: readonly DomainEvent[],
  principal: Principal,
  command: TransferCommand,
): void => {
  if (command.type === "RequestTransfer") {
    forOwnInstitution(
      principal,
      command.data.originInstitutionId,
      [...staff, "dispatcher"],
      "request a transfer",
    );
  } else {
    check(
      principal,
      transferPermissions[command.type],
      partiesOf(history),
      describe(command.type),
      transferStreamId(command.transferId),
    );
  }
};

/** `RecordEnRouteCare` → `record en route care`, for messages. */
const describe = (type: string): string => type.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
