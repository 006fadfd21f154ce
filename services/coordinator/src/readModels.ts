import type { Clock, DomainEvent } from "@mtc/domain";
import { parseDomainEvent } from "@mtc/domain";
import type { EventStore } from "@mtc/eventstore";
import {
  type BoardItem,
  type BoardState,
  type BoardThresholds,
  type BoardViewItem,
  boardView,
  type CaseQuery,
  type CasesState,
  type CompletenessFilter,
  type CompletenessState,
  caseTimeline,
  evolveBoard,
  findCases,
  initialBoardState,
  listTransferCompleteness,
  type ProjectedEvent,
  type ProjectionRunner,
  type ProjectionStatus,
  type TimelineState,
  toProjectedEvent,
  transferCompleteness,
} from "@mtc/projections";
import { type Parties, partiesOf } from "./auth/policy.js";
import type { BoardChange, BoardSource } from "./feed/boardFeed.js";

/** The categories of the domain's streams; projections read only these. */
export const DOMAIN_CATEGORIES = ["referral", "transfer"] as const;
const READ_WAIT_MS = 2_000;
const PAGE = 5_000;

export interface ReadModelOptions {
  store: EventStore;
  runner: ProjectionRunner;
  clock: Clock;
  thresholds: BoardThresholds;
  lateEntryMinutes: number;
}

export interface BoardAnswer {
  asOf: string;
  position: number;
  items: BoardViewItem[];
}

/** Queries over the projections, plus the live board source for the WebSocket feed. */
export const readModels = ({ store, runner, clock, thresholds, lateEntryMinutes }: ReadModelOptions) => {
  const board = () => runner.current<BoardState>("board");
  const timelineState = () => runner.current<TimelineState>("timeline");
  const completeness = () => runner.current<CompletenessState>("completeness");
  const cases = () => runner.current<CasesState>("cases");
  let position = Math.max(-1, ...runner.status().map((s) => s.checkpoint));

  const listeners = new Set<(change: BoardChange<BoardViewItem>) => void>();
  const viewOf = (item: BoardItem | undefined, now: Date): BoardViewItem | null =>
    item
      ? (boardView({ items: { [item.id]: item }, parkedDecline: null }, now, thresholds)[0] ?? null)
      : null;
  const emit = (change: BoardChange<BoardViewItem>) => {
    for (const listener of listeners) listener(change);
  };
  // Alarms change with time, not only with events: the last alarm set sent for each item.
  const sentAlarms = new Map<string, string>();
  const alarmKey = (item: BoardViewItem | null) => item?.alarms.map((a) => a.kind).join(",") ?? "";

  // The board's state is updated in place; its items are replaced, never mutated, so the item last seen for
  // each id is what the board showed before the event.
  const lastSeen = new Map<string, BoardItem>(Object.entries(board().items));
  runner.onApplied((event: ProjectedEvent, states) => {
    position = event.recorded.position;
    const id = event.recorded.streamId;
    const current = (states.board as BoardState).items[id];
    const previous = lastSeen.get(id);
    if (current === previous) return;
    if (current) lastSeen.set(id, current);
    else lastSeen.delete(id);
    const now = clock();
    const after = viewOf(current, now);
    if (after) sentAlarms.set(id, alarmKey(after));
    else sentAlarms.delete(id);
    emit({ position, itemId: id, item: after, before: viewOf(previous, now) });
  });

  /** Pushes the items whose alarms have changed since they were last sent (a step became overdue). */
  const tickAlarms = (): void => {
    for (const item of boardView(board(), clock(), thresholds)) {
      const key = alarmKey(item);
      if ((sentAlarms.get(item.id) ?? "") === key) continue;
      sentAlarms.set(item.id, key);
      emit({ position, itemId: item.id, item, before: item });
    }
  };

  const boardSource: BoardSource<BoardViewItem> = {
    snapshot: () => ({ position, items: boardView(board(), clock(), thresholds) }),
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };

  /** Joins timeline entries with their events' data, read (and upcast) from the store, stream by stream. */
  const withData = async <E extends { streamId: string; position: number }>(entries: E[]) => {
    const data = new Map<number, unknown>();
    for (const streamId of new Set(entries.map((e) => e.streamId))) {
      for await (const recorded of store.readStream(streamId)) {
        const parsed = parseDomainEvent(recorded.type, recorded.data, recorded.metadata.schemaVersion);
        if (!parsed.ok)
          throw new Error(`event ${streamId}@${recorded.revision} cannot be read: ${parsed.reason}`);
        data.set(recorded.position, parsed.event.data);
      }
    }
    return entries.map((entry) => ({ ...entry, data: data.get(entry.position) }));
  };

  return {
    boardSource,
    tickAlarms,

    board: (): BoardAnswer => {
      const now = clock();
      return { asOf: now.toISOString(), position, items: boardView(board(), now, thresholds) };
    },

    /** The board as it stood at `asOf`: built from exactly the events the store had recorded by then. */
    boardAsOf: async (asOf: Date): Promise<BoardAnswer> => {
      // Streamed page by page: an audit of a long log must not hold the whole log in memory.
      let state = initialBoardState();
      let after = -1;
      let last = -1;
      for (;;) {
        const page = await store.readAll({ after, maxCount: PAGE, categories: DOMAIN_CATEGORIES });
        for (const recorded of page) {
          if (Date.parse(recorded.recordedAt) > asOf.getTime()) continue;
          const parsed = toProjectedEvent(recorded);
          if (!parsed.ok) throw new Error(`event at ${recorded.position} cannot be read: ${parsed.reason}`);
          state = evolveBoard(state, parsed.projected);
          last = recorded.position;
        }
        if (page.length < PAGE) break;
        after = (page.at(-1) as { position: number }).position;
      }
      return { asOf: asOf.toISOString(), position: last, items: boardView(state, asOf, thresholds) };
    },

    partiesOfBoardItem: (item: BoardViewItem): Parties => ({
      caseId: item.caseId,
      sender: item.originInstitutionId ?? undefined,
      receiver: item.destinationInstitutionId,
      formerReceivers: [],
    }),

    /** The parties of each referral and transfer of a case. */
    partiesOfCase: async (caseId: string): Promise<Parties[]> => {
      const entries = await withData(caseTimeline(timelineState(), caseId, { lateEntryMinutes }));
      const byStream = new Map<string, DomainEvent[]>();
      for (const entry of entries) {
        const list = byStream.get(entry.streamId) ?? [];
        list.push({ type: entry.type, data: entry.data } as DomainEvent);
        byStream.set(entry.streamId, list);
      }
      return [...byStream.values()].flatMap((events) => partiesOf(events) ?? []);
    },

    timeline: async (caseId: string, asOf?: Date) => ({
      caseId,
      asOf: asOf?.toISOString() ?? null,
      lateEntryMinutes,
      entries: await withData(caseTimeline(timelineState(), caseId, { asOf, lateEntryMinutes })),
    }),

    transferRecord: async (transferId: string) => {
      const streamId = `transfer-${transferId}`;
      const result = transferCompleteness(completeness(), streamId, { lateEntryMinutes });
      if (!result) return undefined;
      const entries = await withData(
        caseTimeline(timelineState(), result.caseId, { lateEntryMinutes }).filter(
          (e) => e.streamId === streamId,
        ),
      );
      const parties = partiesOf(entries.map((e) => ({ type: e.type, data: e.data }) as DomainEvent));
      return {
        parties: parties ?? {
          caseId: result.caseId,
          receiver: result.destinationInstitutionId,
          formerReceivers: [],
        },
        view: { ...result, entries },
      };
    },

    findCases: (query: CaseQuery) => findCases(cases(), query),

    /** The institutions party to a case (sender, receiver, former receivers); undefined when it is unknown. */
    caseInstitutions: async (caseId: string): Promise<ReadonlySet<string> | undefined> => {
      const all = cases().cases;
      return Object.hasOwn(all, caseId) ? new Set(all[caseId]?.institutionIds) : undefined;
    },

    transferRecords: (filter: CompletenessFilter) =>
      listTransferCompleteness(completeness(), { lateEntryMinutes }, filter),

    status: (head: number): (ProjectionStatus & { lag: number })[] => {
      const lag = runner.lag(head);
      return runner.status().map((s) => ({ ...s, lag: lag[s.name] ?? 0 }));
    },

    /** Read-your-writes: wait (briefly) until the projections hold the caller's own command. */
    awaitPosition: async (target: number): Promise<void> => {
      await Promise.race([
        runner.whenCaughtUpTo(target),
        new Promise((r) => setTimeout(r, READ_WAIT_MS).unref()),
      ]);
    },
  };
};

export type ReadModels = ReturnType<typeof readModels>;
