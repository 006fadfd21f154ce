import { type ReferralEvent, referralEventSchemas, type TransferEvent } from "@mtc/domain";
import type { ProjectedEvent, RecordedHeader } from "../shared/projectedEvent.js";
import type { BoardItem, BoardState, ReferralStep, SideStep, TransferStep } from "./state.js";

// The item record is changed in place: copying it on every event made the fold quadratic in the number of open
// items (the bench measured 441 µs per event at 1,439 open items). Items themselves are never mutated, only
// replaced, so a holder of an old item keeps a consistent view of it.
const withItem = (items: Record<string, BoardItem>, item: BoardItem): Record<string, BoardItem> => {
  items[item.id] = item;
  return items;
};

const without = (items: Record<string, BoardItem>, id: string): Record<string, BoardItem> => {
  delete items[id];
  return items;
};

const moveTo = (
  item: BoardItem,
  step: ReferralStep | TransferStep,
  at: string,
  recorded: RecordedHeader,
): BoardItem => ({
  ...item,
  step,
  stepAt: at,
  stepsAt: { ...item.stepsAt, [step]: at },
  lastPosition: recorded.position,
});

const touch = (item: BoardItem, side: SideStep, at: string, recorded: RecordedHeader): BoardItem => ({
  ...item,
  stepsAt: { ...item.stepsAt, [side]: at },
  lastPosition: recorded.position,
});

/** What happens to an existing item: a new item, or null when it leaves the board. */
type Change = BoardItem | null | "park";

const referralChange = (item: BoardItem, event: ReferralEvent, recorded: RecordedHeader): Change => {
  const at = event.data.occurredAt;
  switch (event.type) {
    case "ReferralAccepted":
      return {
        ...moveTo(item, "accepted", at, recorded),
        expectedArrivalAt: event.data.expectedArrivalAt ?? null,
      };
    case "ReferralDeclined": {
      const declined = moveTo(item, "declined", at, recorded);
      // 000 §十(七): orange/red/purple may not simply be refused; they stay until redirected or escalated.
      return item.riskGrade === "green" || item.riskGrade === "yellow" ? "park" : declined;
    }
    case "ReferralRedirected":
      return {
        ...moveTo(item, "redirected", at, recorded),
        destinationInstitutionId: event.data.toInstitutionId,
      };
    case "ReferralEscalated":
      return moveTo(item, "escalated", at, recorded);
    case "PatientReceived":
      return moveTo(item, "received", at, recorded);
    case "ReferralCompleted":
    case "ReferralCancelled":
      return null;
    case "ReferralRequested":
    case "OffProtocolArrivalRegistered":
      return item;
  }
};

const transferChange = (item: BoardItem, event: TransferEvent, recorded: RecordedHeader): Change => {
  const at = event.data.occurredAt;
  switch (event.type) {
    case "UnitDispatched":
      return {
        ...moveTo(item, "dispatched", at, recorded),
        ambulance: { id: event.data.ambulanceId, type: event.data.ambulanceType },
      };
    case "UnitArrivedAtOrigin":
      return moveTo(item, "unit_at_origin", at, recorded);
    case "TransferDeparted":
      return moveTo(item, "departed", at, recorded);
    case "EnRouteCareRecorded":
      return { ...item, enRouteCareCount: item.enRouteCareCount + 1, lastPosition: recorded.position };
    case "RemoteGuidanceGiven":
      return touch(item, "remote_guidance", at, recorded);
    case "TransferArrived":
      return moveTo(item, "arrived", at, recorded);
    case "TransferDiverted":
      return {
        ...touch(item, "diverted", at, recorded),
        destinationInstitutionId: event.data.toInstitutionId,
      };
    case "HandoverCompleted":
    case "TransferCancelled":
      return null;
    case "TransferRequested":
      return item;
  }
};

type OpeningFields = Pick<
  BoardItem,
  | "kind"
  | "caseId"
  | "riskGrade"
  | "patientKind"
  | "patient"
  | "originInstitutionId"
  | "destinationInstitutionId"
  | "clinicalSummary"
> &
  Partial<BoardItem>;

/** An item as it opens: at its first step, with no unit yet and nothing recorded en route. */
const newItem = (
  recorded: RecordedHeader,
  step: ReferralStep | TransferStep,
  at: string,
  fields: OpeningFields,
): BoardItem => ({
  id: recorded.streamId,
  lastPosition: recorded.position,
  urgency: null,
  step,
  stepsAt: { [step]: at },
  openedAt: at,
  stepAt: at,
  ambulance: null,
  escortRequired: false,
  enRouteCareCount: 0,
  requiredAmbulanceType: [],
  referralId: null,
  reasons: [],
  gestationalWeeks: null,
  expectedArrivalAt: null,
  ...fields,
});

/** A new item for an event that opens one, else undefined. */
const opened = ({ event, recorded }: ProjectedEvent): BoardItem | undefined => {
  switch (event.type) {
    case "ReferralRequested": {
      const d = event.data;
      return newItem(recorded, "requested", d.occurredAt, {
        kind: "referral",
        caseId: d.caseId,
        riskGrade: d.riskGrade,
        patientKind: d.patientKind,
        urgency: d.urgency,
        patient: d.patient,
        originInstitutionId: d.fromInstitutionId,
        destinationInstitutionId: d.toInstitutionId,
        clinicalSummary: d.clinicalSummary,
        reasons: d.reasons,
        gestationalWeeks: d.gestationalWeeks ?? null,
      });
    }
    case "OffProtocolArrivalRegistered": {
      // 001 (五): she arrived without an agreed referral; the record opens at reception.
      const d = event.data;
      return newItem(recorded, "off_protocol_arrival", d.occurredAt, {
        kind: "referral",
        caseId: d.caseId,
        riskGrade: d.riskGrade,
        patientKind: d.patientKind,
        patient: d.patient,
        originInstitutionId: d.fromInstitutionId ?? null,
        destinationInstitutionId: d.institutionId,
        clinicalSummary: d.clinicalSummary,
        gestationalWeeks: d.gestationalWeeks ?? null,
      });
    }
    case "TransferRequested": {
      const d = event.data;
      return newItem(recorded, "requested", d.occurredAt, {
        kind: "transfer",
        caseId: d.caseId,
        riskGrade: d.riskGrade,
        patientKind: d.patientKind,
        patient: d.patient,
        originInstitutionId: d.originInstitutionId,
        destinationInstitutionId: d.destinationInstitutionId,
        clinicalSummary: d.clinicalSummary,
        escortRequired: d.escortRequired,
        requiredAmbulanceType: d.requiredAmbulanceType,
        referralId: d.referralId ?? null,
      });
    }
    default:
      return undefined;
  }
};

const isReferralEvent = (event: ReferralEvent | TransferEvent): event is ReferralEvent =>
  Object.hasOwn(referralEventSchemas, event.type);

/** Board reducer: open referrals and transfers, closed ones leave the board. Never throws. */
export const evolveBoard = (state: BoardState, projected: ProjectedEvent): BoardState => {
  const { event, recorded } = projected;
  const id = recorded.streamId;
  const parked = state.parkedDecline;
  // A decline's redirect/escalation follows in the same command; anything else lets the parked item go.
  const revived =
    parked && parked.item.id === id && parked.commandId === recorded.metadata.commandId
      ? parked.item
      : undefined;
  const items = revived ? withItem(state.items, revived) : state.items;

  const fresh = opened(projected);
  if (fresh) return { items: withItem(items, fresh), parkedDecline: null };

  const item = items[id];
  if (!item) return parked ? { items, parkedDecline: null } : state;
  const change = isReferralEvent(event)
    ? referralChange(item, event, recorded)
    : transferChange(item, event, recorded);
  if (change === "park") {
    const declined = moveTo(item, "declined", event.data.occurredAt, recorded);
    return {
      items: without(items, id),
      parkedDecline: { item: declined, commandId: recorded.metadata.commandId },
    };
  }
  if (change === null) return { items: without(items, id), parkedDecline: null };
  return { items: withItem(items, change), parkedDecline: null };
};
