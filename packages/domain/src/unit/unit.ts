import type { UnitEvent, UnitStatus } from "./events.js";

/** The transfer a unit is on, as far as the unit needs it. */
export interface UnitTransfer {
  transferId: string;
  caseId: string;
  infectious: boolean;
  /** She has been in the unit (departure recorded): what makes an infectious transfer need disinfection. */
  carried: boolean;
  /** Where a withdrawn dispatch returns the unit to: its status before the claim, since when, on which transfer. */
  before: { status: UnitStatus; since: string | undefined; transfer: UnitTransfer | undefined };
}

/**
 * A unit's state, folded from `unit-<ambulanceId>`. A unit with no events is available: units come from the
 * reference data, and the dispatch centre records only what changes them.
 */
export interface UnitState {
  status: UnitStatus;
  /** occurredAt of the event that set the status; undefined while nothing has been recorded. */
  since: string | undefined;
  transfer: UnitTransfer | undefined;
  /** The infectious transfer after which the unit awaits disinfection, 000 §十二(六), R-TRF-5. */
  disinfectionAfter: { transferId: string; caseId: string } | undefined;
  /** The latest occurredAt recorded: a dispatcher's step may not be earlier. */
  lastOccurredAt: string | undefined;
}

export const initialState = (): UnitState => ({
  status: "available",
  since: undefined,
  transfer: undefined,
  disinfectionAfter: undefined,
  lastOccurredAt: undefined,
});

/** Statuses from which a unit may be dispatched without an override reason. */
export const DISPATCHABLE: readonly UnitStatus[] = ["available", "back_in_service"];

/** Statuses in which the unit is on a transfer. */
export const ON_TRANSFER: readonly UnitStatus[] = ["dispatched", "at_scene", "transporting", "at_hospital"];

const latest = (a: string | undefined, b: string): string =>
  a === undefined || Date.parse(b) > Date.parse(a) ? b : a;

/** Folds one event into the state. Events are facts: evolve never refuses one. */
export const evolve = (state: UnitState, event: UnitEvent): UnitState => {
  const at = event.data.occurredAt;
  const lastOccurredAt = latest(state.lastOccurredAt, at);
  switch (event.type) {
    case "UnitAssigned": {
      const d = event.data;
      return {
        ...state,
        status: "dispatched",
        since: at,
        transfer: {
          transferId: d.transferId,
          caseId: d.caseId,
          infectious: d.infectious,
          carried: false,
          before: { status: state.status, since: state.since, transfer: state.transfer },
        },
        lastOccurredAt,
      };
    }
    case "UnitStatusRecorded": {
      if (state.transfer?.transferId !== event.data.transferId) return { ...state, lastOccurredAt };
      const carried = state.transfer.carried || event.data.status !== "at_scene";
      return {
        ...state,
        status: event.data.status,
        since: at,
        transfer: { ...state.transfer, carried },
        lastOccurredAt,
      };
    }
    case "UnitReleased": {
      const d = event.data;
      // A dispatch that was not carried out leaves the unit as it was before the claim.
      if (d.reason === "dispatch_withdrawn" && state.transfer) {
        return { ...state, ...state.transfer.before, lastOccurredAt };
      }
      return {
        ...state,
        status: d.disinfectionRequired ? "disinfection_pending" : "back_in_service",
        since: at,
        transfer: undefined,
        disinfectionAfter: d.disinfectionRequired
          ? { transferId: d.transferId, caseId: d.caseId }
          : state.disinfectionAfter,
        lastOccurredAt,
      };
    }
    case "UnitDisinfected":
      return {
        ...state,
        // A unit taken out of service while it waited stays out of service; otherwise it is ready again.
        status: state.status === "out_of_service" ? "out_of_service" : "available",
        since: state.status === "out_of_service" ? state.since : at,
        disinfectionAfter: undefined,
        lastOccurredAt,
      };
    case "UnitTakenOutOfService":
      return { ...state, status: "out_of_service", since: at, lastOccurredAt };
    case "UnitReturnedToService":
      return { ...state, status: "available", since: at, lastOccurredAt };
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
};
