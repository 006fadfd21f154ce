import { commandIdFor, derivedId, eventIdFor, hashRequest } from "@mtc/coordinator";
import {
  CURRENT_SCHEMA_VERSION,
  type DecisionContext,
  type DomainEvent,
  isRejection,
  type ReferenceLookup,
  type ReferralState,
  referralDecider,
  referralStreamId,
  type TransferState,
  transferDecider,
  transferStreamId,
} from "@mtc/domain";
import { type NewEvent, openSqliteEventStore } from "@mtc/eventstore";
import { type PlannedCase, type PlannedStep, planCase, regionView, type Sender } from "./cases.js";
import { caseIdFor, prng } from "./random.js";

/**
 * A synthetic region's log: cases start at random over the years up to `until`, each advances command by
 * command, and all commands of all cases reach the system in the order of their recordedAt. Every command is
 * decided by the domain's deciders on the stream's current state, as the command bus does; the metadata is
 * the command bus's.
 */

/** A province's volume: 0.2–2 million events a year (issue 7); the default spreads a log at 1 million a year. */
export const EVENTS_PER_YEAR = 1_000_000;
/** Small logs still span years, so that reports and as-of reads have history to cross. */
export const MIN_YEARS = 3;

const YEAR_MS = 365.25 * 24 * 3_600_000;
const DRAIN_MS = 5 * 24 * 3_600_000;
/** China Standard Time, for the year in a case id. */
const CST_OFFSET_MS = 8 * 3_600_000;

export interface SynthesiseOptions {
  events: number;
  seed: number;
  reference: ReferenceLookup;
  /** The end of the spread: no event is recorded after it. */
  until: Date;
  /** Years the log spans; default `max(MIN_YEARS, events / EVENTS_PER_YEAR)`. */
  years?: number;
}

export interface SynthesisedAppend {
  streamId: string;
  events: NewEvent[];
  expectedRevision: number | "no_stream";
  /** When the store takes it (the synthetic clock). */
  recordedAt: string;
}

/** What was generated, counted as it was written. */
export interface SynthesisStats {
  events: number;
  cases: number;
  from: string | undefined;
  to: string | undefined;
  grades: Record<string, number>;
  eventTypes: Record<string, number>;
  /** Crew entries (unit at origin, departure, en-route care, arrival) and those entered more than 30 min late. */
  crewEntries: number;
  lateCrewEntries: number;
}

const CREW_COMMANDS: ReadonlySet<string> = new Set([
  "RecordUnitArrivedAtOrigin",
  "RecordDeparture",
  "RecordEnRouteCare",
  "RecordArrival",
]);
const LATE_MS = 30 * 60_000;

/** A min-heap of steps by (recordedAt, sequence): steps of one stream leave in the order they were planned. */
class StepQueue {
  private readonly items: { at: number; seq: number; step: PlannedStep; stream: string }[] = [];
  private seq = 0;
  get size(): number {
    return this.items.length;
  }
  peekAt(): number {
    return this.items[0]?.at ?? Number.POSITIVE_INFINITY;
  }
  push(step: PlannedStep, stream: string): void {
    const item = { at: step.recordedAt, seq: this.seq++, step, stream };
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      [a[i], a[parent]] = [a[parent] as typeof item, a[i] as typeof item];
      i = parent;
    }
  }
  pop(): { step: PlannedStep; stream: string } | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined) return undefined;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(l, m)) m = l;
        if (r < a.length && this.less(r, m)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as typeof last, a[i] as typeof last];
        i = m;
      }
    }
    return top;
  }
  private less(i: number, j: number): boolean {
    const a = this.items[i] as { at: number; seq: number };
    const b = this.items[j] as { at: number; seq: number };
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

interface OpenStream {
  state: ReferralState | TransferState;
  revision: number;
  remaining: number;
  /** A step was dropped (the log is full): the rest of this stream is not written either. */
  stopped: boolean;
}

const principalOf = (sender: Sender) => ({ ...sender, institutionId: sender.institutionId });

/** Events a step appends; `departed`: the case's transfer has departed before it (a diversion then re-alerts). */
const eventsOf = (step: PlannedStep, departed: boolean): number => {
  const { command } = step.planned;
  if (command.type === "DeclineReferral")
    return 1 + Number("redirectTo" in command.data) + Number("escalate" in command.data);
  // Issue 9 §1: a departure raises the pre-arrival alert, and a diversion en route raises it again.
  if (command.type === "RecordDeparture" || (command.type === "DivertTransfer" && departed)) return 2;
  return 1;
};

/** Events of a case's planned steps, in plan order. */
const eventsOfCase = (steps: readonly PlannedStep[]): number => {
  let departed = false;
  let total = 0;
  for (const step of steps) {
    total += eventsOf(step, departed);
    if (step.planned.command.type === "RecordDeparture") departed = true;
  }
  return total;
};

/** Mean events per case, from a sample planned apart from the log (its own random stream). */
const meanEventsPerCase = (seed: number, reference: ReferenceLookup, start: number): number => {
  const rng = prng(seed ^ 0x5eed);
  const view = regionView(reference);
  const sample = 4_000;
  let total = 0;
  for (let n = 0; n < sample; n++) {
    const c = planCase(rng, view, start, { caseId: "C", referralId: "R", transferId: "T" });
    total += eventsOfCase(c.steps);
  }
  return total / sample;
};

export function* synthesise(options: SynthesiseOptions, stats: SynthesisStats): Generator<SynthesisedAppend> {
  const { events: total, seed, reference } = options;
  const rng = prng(seed);
  const view = regionView(reference);
  const until = options.until.getTime();
  const years = options.years ?? Math.max(MIN_YEARS, total / EVENTS_PER_YEAR);
  const start = until - years * YEAR_MS;
  const perCase = meanEventsPerCase(seed, reference, start);
  // Plan a little more than `total` so that the log is full before `until`; the cases cut off by the end are
  // the ones still open at that moment, as on a real board.
  const planTarget = total * 1.002 + 50;
  let plannedEvents = 0;
  /** The mean gap between case starts that fills the plan by `until` less five days for the last cases to run. */
  const meanGap = (at: number) =>
    Math.max(0, until - DRAIN_MS - at) / Math.max(1, (planTarget - plannedEvents) / perCase);

  const queue = new StepQueue();
  const streams = new Map<string, OpenStream>();
  let caseNo = 0;
  let nextCaseAt = start + rng.exponential(meanGap(start));
  let keyNo = 0;

  const admit = (): void => {
    caseNo++;
    const year = new Date(nextCaseAt + CST_OFFSET_MS).getUTCFullYear();
    // Record ids come from the creating commands' ids, as the service derives them (commandRoutes.targetId).
    const key = (n: number) => `mtc-generate-${seed}-${caseNo}-${n}`;
    const ids = {
      caseId: caseIdFor(caseNo, year),
      referralId: derivedId(commandIdFor(principalOf(view.dispatcher), key(-1)), "R"),
      transferId: derivedId(commandIdFor(principalOf(view.dispatcher), key(-2)), "T"),
    };
    const planned: PlannedCase = planCase(rng, view, nextCaseAt, ids);
    stats.cases++;
    stats.grades[planned.riskGrade] = (stats.grades[planned.riskGrade] ?? 0) + 1;
    plannedEvents += eventsOfCase(planned.steps);
    for (const step of planned.steps) {
      const streamId =
        step.planned.stream === "referral"
          ? referralStreamId(ids.referralId)
          : transferStreamId(ids.transferId);
      const open = streams.get(streamId);
      if (open) open.remaining++;
      else {
        const state =
          step.planned.stream === "referral"
            ? referralDecider.initialState()
            : transferDecider.initialState();
        streams.set(streamId, { state, revision: -1, remaining: 1, stopped: false });
      }
      queue.push(step, streamId);
    }
    nextCaseAt += rng.exponential(meanGap(nextCaseAt));
  };

  while (stats.events < total) {
    while (nextCaseAt <= until && plannedEvents < planTarget && nextCaseAt <= queue.peekAt()) admit();
    const next = queue.pop();
    if (!next || next.step.recordedAt > until) break;
    const { step, stream: streamId } = next;
    const open = streams.get(streamId) as OpenStream;
    open.remaining--;
    if (open.remaining === 0) streams.delete(streamId);
    if (open.stopped) continue;
    if (stats.events + eventsOf(step, open.state.status === "en_route") > total) {
      open.stopped = true;
      continue;
    }

    const now = new Date(step.recordedAt);
    const context: DecisionContext = { now, reference };
    const decision =
      step.planned.stream === "referral"
        ? referralDecider.decide(step.planned.command, open.state as ReferralState, context)
        : transferDecider.decide(step.planned.command, open.state as TransferState, context);
    if (isRejection(decision)) {
      throw new Error(
        `the generator planned a command the domain refuses: ${step.planned.command.type} on ${streamId}: ${decision.reason}`,
      );
    }
    const decided = decision as readonly DomainEvent[];
    for (const event of decided) {
      open.state =
        step.planned.stream === "referral"
          ? referralDecider.evolve(
              open.state as ReferralState,
              event as Parameters<typeof referralDecider.evolve>[1],
            )
          : transferDecider.evolve(
              open.state as TransferState,
              event as Parameters<typeof transferDecider.evolve>[1],
            );
    }

    const command = step.planned.command;
    const principal = principalOf(step.sender);
    const commandId = commandIdFor(principal, `mtc-generate-${seed}-${++keyNo}`);
    const target = "referralId" in command ? command.referralId : command.transferId;
    const occurredAt = new Date(step.occurredAt).toISOString();
    const caseId = (open.state as { caseId: string }).caseId;
    const metadata = {
      actor: { userId: principal.userId, role: principal.role, institutionId: principal.institutionId },
      caseId,
      causationId: commandId,
      commandId,
      occurredAt,
      schemaVersion: CURRENT_SCHEMA_VERSION,
      requestHash: hashRequest([command.type, target, command.data]),
    };
    const expectedRevision = open.revision < 0 ? ("no_stream" as const) : open.revision;
    open.revision += decided.length;

    stats.events += decided.length;
    for (const event of decided) stats.eventTypes[event.type] = (stats.eventTypes[event.type] ?? 0) + 1;
    if (CREW_COMMANDS.has(command.type)) {
      stats.crewEntries++;
      if (step.recordedAt - step.occurredAt > LATE_MS) stats.lateCrewEntries++;
    }
    const recordedAt = now.toISOString();
    stats.from ??= recordedAt;
    stats.to = recordedAt;
    yield {
      streamId,
      expectedRevision,
      recordedAt,
      events: decided.map((event, index) => ({
        id: eventIdFor(commandId, index),
        type: event.type,
        data: event.data,
        metadata,
      })),
    };
  }
}

export const emptyStats = (): SynthesisStats => ({
  events: 0,
  cases: 0,
  from: undefined,
  to: undefined,
  grades: Object.create(null) as Record<string, number>,
  eventTypes: Object.create(null) as Record<string, number>,
  crewEntries: 0,
  lateCrewEntries: 0,
});

export interface WriteRegionOptions extends SynthesiseOptions {
  /** The embedded store's file; it must hold no events yet. */
  path: string;
  /** Called after each group commit with the events written so far. */
  onProgress?: (events: number) => void;
  signal?: AbortSignal;
}

/** Appends per group commit: one fsync for this many commands keeps 10 million events within minutes. */
const APPENDS_PER_GROUP = 2_048;

/**
 * Writes the synthetic region into the embedded store at `path`. The store's clock is the synthetic time:
 * it is read once per append, in order, so it hands out each append's recordedAt in turn.
 */
export const writeRegion = async (options: WriteRegionOptions): Promise<SynthesisStats> => {
  const stats = emptyStats();
  const recordedAts: string[] = [];
  let read = 0;
  let lastGiven = options.until.toISOString();
  const clock = () => {
    const at = recordedAts[read];
    if (at !== undefined) {
      lastGiven = at;
      read++;
    }
    return new Date(lastGiven);
  };
  const store = openSqliteEventStore({ path: options.path, clock });
  try {
    if ((await store.headPosition()) >= 0) {
      throw new Error(`${options.path} already holds events; generate writes into an empty data directory`);
    }
    let group: Promise<unknown>[] = [];
    const commit = async () => {
      await Promise.all(group);
      group = [];
      recordedAts.length = 0;
      read = 0;
      options.onProgress?.(stats.events);
    };
    for (const append of synthesise(options, stats)) {
      recordedAts.push(append.recordedAt);
      group.push(store.append(append.streamId, append.events, append.expectedRevision));
      if (group.length >= APPENDS_PER_GROUP) {
        await commit();
        if (options.signal?.aborted) {
          throw new Error(
            `interrupted after ${stats.events} events: ${options.path} holds a partial log; delete it before generating again`,
          );
        }
      }
    }
    await commit();
    return stats;
  } finally {
    await store.close();
  }
};
