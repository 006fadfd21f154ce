import { type Clock, maskPatientIdentity, riskSeverity } from "@mtc/domain";
import {
  type Arrival,
  type ArrivalView,
  arrivalsQueries,
  arrivalView,
  compareArrivals,
  type ReadModelRunner,
} from "@mtc/projections";
import type { Principal } from "./auth/roles.js";
import { ModelUnavailableError } from "./errors.js";
import type { BoardChange, BoardSource } from "./feed/boardFeed.js";

const MODEL = "arrivals";
const RETRY_AFTER_SECONDS = 5;

/**
 * Who sees a pre-arrival alert (issue 9 §1). The destination's staff see every alert addressed to them; its
 * medical affairs those where the MDT may be needed (orange or above, 000 §十六(四), or anything asked to be
 * ready); a blood station only those that ask for blood of the hospitals whose emergency blood plan names it
 * (000 §二十二(二)(五), R-BLD-3); region-wide roles all of them.
 */
export const seesArrival = (
  principal: Principal,
  arrival: Arrival,
  bloodStationOf: BloodStationOf,
): boolean => {
  const own = arrival.destinationInstitutionId === principal.institutionId;
  switch (principal.role) {
    case "hospital_staff":
      return own;
    case "medical_affairs":
      return (
        own &&
        (riskSeverity[arrival.riskGrade] >= riskSeverity.orange || (arrival.alert?.asks.length ?? 0) > 0)
      );
    case "blood_station":
      return (
        (arrival.alert?.asks.includes("blood") ?? false) &&
        principal.institutionId !== undefined &&
        bloodStationOf(arrival.destinationInstitutionId) === principal.institutionId
      );
    default:
      return true;
  }
};

/** Identity (姓名, 身份证号, 电话) only to the receiving institution's own roles; everyone else sees it masked. */
export const showsIdentity = (principal: Principal, arrival: Arrival): boolean =>
  (principal.role === "hospital_staff" || principal.role === "medical_affairs") &&
  arrival.destinationInstitutionId === principal.institutionId;

/** The blood station of a hospital's emergency blood plan (reference data), if it has one. */
export type BloodStationOf = (institutionId: string) => string | undefined;

/** The alert as this principal may see it, or null. */
export const arrivalFor = <A extends Arrival>(
  principal: Principal,
  arrival: A,
  bloodStationOf: BloodStationOf,
): A | null => {
  if (!seesArrival(principal, arrival, bloodStationOf)) return null;
  return showsIdentity(principal, arrival)
    ? arrival
    : { ...arrival, patient: maskPatientIdentity(arrival.patient) };
};

export interface ArrivalsOptions {
  runner: ReadModelRunner;
  clock: Clock;
  /** ALARM_PRE_ARRIVAL_UNACKNOWLEDGED_MIN */
  unacknowledgedMinutes: number;
  bloodStationOf: BloodStationOf;
}

/** The incoming list (queries) and its live source for the hospital feed `/ws/arrivals`. */
export const arrivals = ({ runner, clock, unacknowledgedMinutes, bloodStationOf }: ArrivalsOptions) => {
  let prepared: { queries: ReturnType<typeof arrivalsQueries>; checkpoint: () => number } | undefined;
  const q = () => {
    if (!prepared) {
      const db = runner.reader();
      const checkpoint = db.prepare<[string], number>("SELECT checkpoint FROM models WHERE name = ?").pluck();
      prepared = { queries: arrivalsQueries(db), checkpoint: () => checkpoint.get(MODEL) ?? -1 };
    }
    return prepared;
  };
  const unavailable = () => {
    const state = runner.stateOf(MODEL);
    return state === "rebuilding" || state === "failed";
  };
  const available = (): void => {
    const status = runner.status().find((s) => s.name === MODEL);
    if (!status || status.state === "rebuilding" || status.state === "failed")
      throw new ModelUnavailableError(
        MODEL,
        status?.state ?? "unknown",
        status?.progress,
        RETRY_AFTER_SECONDS,
      );
  };
  const view = (arrival: Arrival, now: Date): ArrivalView => arrivalView(arrival, now, unacknowledgedMinutes);
  /** Only raised alerts are shown: a transfer that has not departed is not incoming yet. */
  const shown = (doc: unknown, now: Date): ArrivalView | null => {
    const arrival = doc as Arrival | null;
    return arrival?.alert ? view(arrival, now) : null;
  };

  const listeners = new Set<(change: BoardChange<ArrivalView>) => void>();
  const emit = (change: BoardChange<ArrivalView>) => {
    for (const listener of listeners) listener(change);
  };
  // Alarms change with time, not only with events: the last alarm set sent for each alert.
  const sentAlarms = new Map<string, number>();
  runner.onChanges((model, changes) => {
    if (model !== MODEL) return;
    const now = clock();
    for (const change of changes) {
      const after = shown(change.after, now);
      if (!after && !shown(change.before, now)) continue;
      if (after) sentAlarms.set(change.key, after.alarms.length);
      else sentAlarms.delete(change.key);
      emit({ position: change.position, itemId: change.key, item: after });
    }
  });

  const current = (): { position: number; items: ArrivalView[] } => {
    const db = runner.reader();
    return db.transaction(() => {
      const now = clock();
      return {
        position: q().checkpoint(),
        items: q()
          .queries.all()
          .map((a) => view(a, now))
          .sort(compareArrivals),
      };
    })();
  };

  const source: BoardSource<ArrivalView> = {
    snapshot: () => (unavailable() ? { position: -1, items: [] } : current()),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  return {
    source,
    /** The alert as this principal may see it on the feed, or null. */
    visibleTo: <A extends Arrival>(principal: Principal, arrival: A): A | null =>
      arrivalFor(principal, arrival, bloodStationOf),
    /** The alerts this principal sees now, alarmed and unacknowledged first, then by ETA. */
    list: (principal: Principal): { asOf: string; position: number; items: ArrivalView[] } => {
      available();
      const now = clock();
      const db = runner.reader();
      const { position, docs } = db.transaction(() => {
        const queries = q().queries;
        const docs =
          principal.role === "blood_station"
            ? queries.askingForBlood()
            : principal.role === "hospital_staff" || principal.role === "medical_affairs"
              ? queries.incoming(principal.institutionId ?? "")
              : queries.all();
        return { position: q().checkpoint(), docs };
      })();
      const items = docs
        .flatMap((a) => arrivalFor(principal, a, bloodStationOf) ?? [])
        .map((a) => view(a, now))
        .sort(compareArrivals);
      return { asOf: now.toISOString(), position, items };
    },
    /** One alert by its transfer id, if this principal sees it (else undefined: the same 404 as unknown). */
    one: (principal: Principal, transferId: string): ArrivalView | undefined => {
      available();
      const arrival = q().queries.byId(`transfer-${transferId}`);
      const visible = arrival && arrivalFor(principal, arrival, bloodStationOf);
      return visible ? view(visible, clock()) : undefined;
    },
    /** Pushes the alerts whose alarm has started since they were last sent (the ack time has run out). */
    tickAlarms: (): void => {
      if (unavailable()) return;
      const { position, items } = current();
      for (const item of items) {
        if ((sentAlarms.get(item.id) ?? 0) === item.alarms.length) continue;
        sentAlarms.set(item.id, item.alarms.length);
        emit({ position, itemId: item.id, item });
      }
    },
  };
};

export type Arrivals = ReturnType<typeof arrivals>;
