import {
  type DomainEvent,
  type ReferralEvent,
  referralEventSchemas,
  type TransferEvent,
  transferEventSchemas,
} from "@mtc/domain";
import type { ProjectedEvent, RecordedHeader } from "../shared/projectedEvent.js";
import type { BoardItem, ReferralStep, SideStep, TransferStep } from "./state.js";

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

const isReferralEvent = (event: DomainEvent): event is ReferralEvent =>
  Object.hasOwn(referralEventSchemas, event.type);
const isTransferEvent = (event: DomainEvent): event is TransferEvent =>
  Object.hasOwn(transferEventSchemas, event.type);

/**
 * Board reducer over one item (keyed by stream id): the item after the event, or null when it is not (or no
 * longer) on the board. Never throws on an event it was built for.
 *
 * 000 §十(七): a green/yellow referral may simply be declined and leaves the board, but a decline followed by
 * a redirect or escalation in the same command (consecutive events of one append) must stay. So the decline
 * parks the item (`parkedBy` = its command id, not shown): the next event of the stream revives it when it
 * comes from the same command; anything else lets it go. The runner drops parked rows once a later event
 * has passed (`board/model.ts`).
 */
export const evolveBoardItem = (current: BoardItem | null, projected: ProjectedEvent): BoardItem | null => {
  const { event, recorded } = projected;
  const fresh = opened(projected);
  if (fresh) return fresh;
  if (!current) return null;
  let item = current;
  if (current.parkedBy !== undefined) {
    if (current.parkedBy !== recorded.metadata.commandId) return null;
    const { parkedBy: _parked, ...revived } = current;
    item = revived;
  }
  // Board items are referrals and transfers; events of other records (MDT, …) never change them.
  if (!isReferralEvent(event) && !isTransferEvent(event)) return item;
  const change = isReferralEvent(event)
    ? referralChange(item, event, recorded)
    : transferChange(item, event, recorded);
  if (change === "park")
    return {
      ...moveTo(item, "declined", event.data.occurredAt, recorded),
      parkedBy: recorded.metadata.commandId,
    };
  return change;
};

/** Applies one event to a map of items (an in-memory fold: as-of replays, tests). */
export const applyToBoard = (items: Map<string, BoardItem>, projected: ProjectedEvent): void => {
  const id = projected.recorded.streamId;
  const next = evolveBoardItem(items.get(id) ?? null, projected);
  if (next) items.set(id, next);
  else items.delete(id);
};

/** The items shown on the board (parked declines are not). */
export const shownItems = (items: Iterable<BoardItem>): BoardItem[] =>
  [...items].filter((item) => item.parkedBy === undefined);
