import type { Clock, DomainEvent } from "@mtc/domain";
import { parseDomainEvent } from "@mtc/domain";
import type { EventStore } from "@mtc/eventstore";
import {
  accessQueries,
  type BloodTargets,
  type BoardItem,
  type BoardThresholds,
  type BoardViewItem,
  bloodQueries,
  boardAsOf,
  boardQueries,
  boardView,
  type CaseQuery,
  type CompletenessFilter,
  casesQueries,
  completenessOf,
  completenessQueries,
  DOMAIN_CATEGORIES,
  type DocumentChange,
  type FleetUnit,
  fleetQueries,
  type MdtFilter,
  type MdtRecord,
  type ModelStatus,
  mdtQueries,
  type ReadModelRunner,
  timelineQueries,
  viewItem,
} from "@mtc/projections";
import { type Parties, partiesOf } from "./auth/policy.js";
import { ModelUnavailableError } from "./errors.js";
import type { BoardChange, BoardSource } from "./feed/boardFeed.js";

export { DOMAIN_CATEGORIES };

const READ_WAIT_MS = 2_000;
/** What a 503 asks the client to wait while a model rebuilds. */
const RETRY_AFTER_SECONDS = 5;

export interface ReadModelOptions {
  store: EventStore;
  runner: ReadModelRunner;
  clock: Clock;
  thresholds: BoardThresholds;
  lateEntryMinutes: number;
  /** Blood request targets per urgency: the board's per-case blood alarms are computed from them. */
  bloodTargets: BloodTargets;
}

export interface BoardAnswer {
  asOf: string;
  position: number;
  items: BoardViewItem[];
}

/** Queries over the read-model database, plus the live board source for the WebSocket feed. */
export const readModels = ({
  store,
  runner,
  clock,
  thresholds,
  lateEntryMinutes,
  bloodTargets,
}: ReadModelOptions) => {
  // Prepared once on the read-only connection, which sees only committed batches.
  let prepared:
    | {
        board: ReturnType<typeof boardQueries>;
        timeline: ReturnType<typeof timelineQueries>;
        cases: ReturnType<typeof casesQueries>;
        completeness: ReturnType<typeof completenessQueries>;
        access: ReturnType<typeof accessQueries>;
        fleet: ReturnType<typeof fleetQueries>;
        blood: ReturnType<typeof bloodQueries>;
        mdt: ReturnType<typeof mdtQueries>;
        boardCheckpoint: () => number;
      }
    | undefined;
  const q = () => {
    if (!prepared) {
      const db = runner.reader();
      const checkpoint = db.prepare<[], number>("SELECT checkpoint FROM models WHERE name = 'board'").pluck();
      prepared = {
        board: boardQueries(db),
        timeline: timelineQueries(db),
        cases: casesQueries(db),
        completeness: completenessQueries(db),
        access: accessQueries(db),
        fleet: fleetQueries(db),
        blood: bloodQueries(db),
        mdt: mdtQueries(db),
        boardCheckpoint: () => checkpoint.get() ?? -1,
      };
    }
    return prepared;
  };

  /** Refuses to answer from a model that is rebuilding or failed: never stale data presented as current. */
  const available = (model: string): void => {
    const status = runner.status().find((s) => s.name === model);
    if (!status || status.state === "rebuilding" || status.state === "failed")
      throw new ModelUnavailableError(
        model,
        status?.state ?? "unknown",
        status?.progress,
        RETRY_AFTER_SECONDS,
      );
  };

  const unavailable = () => {
    const state = runner.stateOf("board");
    return state === "rebuilding" || state === "failed";
  };

  /** The board item with its case's MDT status (issue 9 §5), read from the MDT model at the time of the view. */
  const withMdt = (item: BoardViewItem): BoardViewItem => {
    if (runner.stateOf("mdt") !== "ready") return item;
    const mdt = q().mdt.statusOfCase(item.caseId);
    return mdt === null ? item : { ...item, mdt };
  };
  /** The board item with everything joined from the other models: its case's MDT and blood status. */
  const decorate = (item: BoardViewItem, now: Date): BoardViewItem => withBlood(withMdt(item), now);
  const viewed = (item: BoardItem, now: Date): BoardViewItem =>
    decorate(viewItem(item, now, thresholds), now);

  const listeners = new Set<(change: BoardChange<BoardViewItem>) => void>();
  const emit = (change: BoardChange<BoardViewItem>) => {
    for (const listener of listeners) listener(change);
  };
  /**
   * Issue 9 §3: the case's blood status beside each board item, read from the blood model at `now` (its alarms
   * are computed from the clock). Left out while the blood model is not ready rather than refusing the board.
   */
  const withBlood = (item: BoardViewItem, now: Date): BoardViewItem => {
    const state = runner.stateOf("blood");
    if (state === "rebuilding" || state === "failed") return item;
    return { ...item, blood: q().blood.caseStatus(item.caseId, bloodTargets, now) };
  };
  /** The item as the board shows it; a parked decline is not shown. */
  const shown = (doc: unknown, now: Date): BoardViewItem | null => {
    const item = doc as BoardItem | null;
    return item && item.parkedBy === undefined ? viewed(item, now) : null;
  };
  // Alarms change with time, not only with events: the last alarm set sent for each open item.
  const sentAlarms = new Map<string, string>();
  const alarmKey = (item: BoardViewItem | null) =>
    item
      ? [...item.alarms.map((a) => a.kind), ...(item.blood?.alarms ?? []).map((m) => `blood_${m}`)].join(",")
      : "";

  /** An MDT changed: the board items of its case are sent again with the new MDT status. */
  const mdtChanged = (changes: readonly DocumentChange[]): void => {
    if (unavailable()) return;
    const cases = new Map<string, number>();
    for (const change of changes) {
      const record = (change.after ?? change.before) as MdtRecord | null;
      if (record) cases.set(record.caseId, change.position);
    }
    const now = clock();
    for (const item of q().board.items()) {
      const position = cases.get(item.caseId);
      if (position === undefined || item.parkedBy !== undefined) continue;
      const after = viewed(item, now);
      emit({ position, itemId: item.id, item: after });
    }
  };

  runner.onChanges((model, changes) => {
    if (model === "mdt") {
      mdtChanged(changes);
      return;
    }
    if (model !== "board") return;
    const now = clock();
    for (const change of changes) {
      const after = shown(change.after, now);
      if (!after && !shown(change.before, now)) continue;
      if (after) sentAlarms.set(change.key, alarmKey(after));
      else sentAlarms.delete(change.key);
      emit({ position: change.position, itemId: change.key, item: after });
    }
  });
  // A blood event changes no board row, but the board items of its case show the new blood status.
  runner.onChanges((model, changes) => {
    if (model !== "blood" || unavailable()) return;
    const now = clock();
    const cases = new Map<string, number>();
    for (const change of changes) {
      const doc = (change.after ?? change.before) as { caseId?: string } | null;
      if (doc?.caseId !== undefined) cases.set(doc.caseId, change.position);
    }
    for (const item of q().board.items()) {
      const position = cases.get(item.caseId);
      if (position === undefined) continue;
      const after = shown(item, now);
      if (!after) continue;
      sentAlarms.set(item.id, alarmKey(after));
      emit({ position, itemId: item.id, item: after });
    }
  });
  let rebuilt = unavailable();
  runner.onStateChange((model, state) => {
    // The board feed heard nothing while the board was rebuilt: its items arrive now, as changes.
    if (model !== "board" || state !== "ready" || !rebuilt) return;
    rebuilt = false;
    const position = q().boardCheckpoint();
    const now = clock();
    for (const item of q().board.items()) {
      const after = viewed(item, now);
      sentAlarms.set(item.id, alarmKey(after));
      emit({ position, itemId: item.id, item: after });
    }
  });

  const currentBoard = (): { position: number; items: BoardViewItem[] } => {
    const db = runner.reader();
    // One read transaction: the items and the position they reflect belong together.
    return db.transaction(() => ({
      position: q().boardCheckpoint(),
      items: boardView(q().board.items(), clock(), thresholds).map((item) => decorate(item, clock())),
    }))();
  };

  /** Pushes the items whose alarms have changed since they were last sent (a step became overdue). */
  const tickAlarms = (): void => {
    if (unavailable()) return;
    // Changes are emitted right after their commit, so the committed checkpoint is the latest position sent.
    const position = q().boardCheckpoint();
    const now = clock();
    for (const view of boardView(q().board.items(), now, thresholds)) {
      const item = decorate(view, now);
      const key = alarmKey(item);
      if ((sentAlarms.get(item.id) ?? "") === key) continue;
      sentAlarms.set(item.id, key);
      emit({ position, itemId: item.id, item });
    }
  };

  const boardSource: BoardSource<BoardViewItem> = {
    // While the board is rebuilt the feed starts empty; the items follow as changes once it is ready.
    snapshot: () => (unavailable() ? { position: -1, items: [] } : currentBoard()),
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

  const caseTimeline = (caseId: string, asOf?: Date) => {
    available("timeline");
    return q().timeline.caseTimeline(caseId, { asOf, lateEntryMinutes });
  };

  return {
    boardSource,
    tickAlarms,

    board: (): BoardAnswer => {
      available("board");
      const { position: at, items } = currentBoard();
      return { asOf: clock().toISOString(), position: at, items };
    },

    /**
     * The board as it stood at `asOf`: the nearest board checkpoint before it plus the events since. Items carry
     * no MDT status here: the MDT model holds the present, and the case timeline shows the MDT as it went.
     */
    boardAsOf: async (asOf: Date): Promise<BoardAnswer> => {
      available("board");
      const { position: at, items } = await boardAsOf(store, runner.reader(), asOf);
      return { asOf: asOf.toISOString(), position: at, items: boardView(items, asOf, thresholds) };
    },

    partiesOfBoardItem: (item: BoardViewItem): Parties => ({
      caseId: item.caseId,
      sender: item.originInstitutionId ?? undefined,
      receiver: item.destinationInstitutionId,
      formerReceivers: [],
    }),

    /** The parties of each referral and transfer of a case. */
    partiesOfCase: async (caseId: string): Promise<Parties[]> => {
      const entries = await withData(caseTimeline(caseId));
      const byStream = new Map<string, DomainEvent[]>();
      for (const entry of entries) {
        const list = byStream.get(entry.streamId) ?? [];
        list.push({ type: entry.type, data: entry.data } as DomainEvent);
        byStream.set(entry.streamId, list);
      }
      return [...byStream.values()].flatMap((events) => partiesOf(events) ?? []);
    },

    /** The institutions party to a case (undefined: unknown case), for command-time party checks. */
    caseInstitutions: async (caseId: string): Promise<ReadonlySet<string> | undefined> => {
      available("cases");
      return q().cases.institutions(caseId);
    },

    timeline: async (caseId: string, asOf?: Date) => ({
      caseId,
      asOf: asOf?.toISOString() ?? null,
      lateEntryMinutes,
      entries: await withData(caseTimeline(caseId, asOf)),
    }),

    transferRecord: async (transferId: string) => {
      available("completeness");
      const streamId = `transfer-${transferId}`;
      const record = q().completeness.record(streamId);
      if (!record) return undefined;
      const result = completenessOf(record, { lateEntryMinutes });
      const entries = await withData(caseTimeline(result.caseId).filter((e) => e.streamId === streamId));
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

    /** One MDT activation (000 §十六) by its id. */
    mdtRecord: (mdtId: string): MdtRecord | undefined => {
      available("mdt");
      return q().mdt.record(mdtId);
    },

    /** MDT activations: a hospital's queue (openOnly), a case's, or the region's. */
    mdtRecords: (filter: MdtFilter): MdtRecord[] => {
      available("mdt");
      return q().mdt.list(filter);
    },

    findCases: (query: CaseQuery) => {
      available("cases");
      return q().cases.find(query);
    },

    transferRecords: (filter: CompletenessFilter) => {
      available("completeness");
      return q().completeness.list({ lateEntryMinutes }, filter);
    },

    /**
     * "Who read case X" from the access index (issue 8 finding 6): the latest `limit` reads of the case before
     * log position `before`, oldest first, and the cursor of the page before them. Waits (briefly) for the
     * index to hold what the log holds now, so reads recorded before this request are listed.
     */
    readsOfCase: async (caseId: string, page: { before?: number | undefined; limit: number }) => {
      available("access");
      await Promise.race([
        store.headPosition().then((head) => runner.whenCaughtUpTo(head)),
        new Promise((r) => setTimeout(r, READ_WAIT_MS).unref()),
      ]);
      const { reads, next } = q().access.readsOfCase(caseId, page);
      return {
        next,
        reads: reads
          .reverse()
          .map(({ recordedAt, ...read }) => ({ ...read, at: recordedAt, caseIds: [caseId] })),
      };
    },

    /** Units that have had an event, by ambulance id (issue 9 §4); a unit not listed is available. */
    fleet: (): Map<string, FleetUnit> => {
      available("fleet");
      return q().fleet.units();
    },

    /** Emergency blood requests (000 §二十二): the station's queue, one request, a case's requests. */
    blood: {
      targets: bloodTargets,
      queue: (...args: Parameters<ReturnType<typeof bloodQueries>["queue"]>) => {
        available("blood");
        return q().blood.queue(...args);
      },
      ofHospital: (...args: Parameters<ReturnType<typeof bloodQueries>["ofHospital"]>) => {
        available("blood");
        return q().blood.ofHospital(...args);
      },
      request: (bloodRequestId: string) => {
        available("blood");
        return q().blood.request(bloodRequestId);
      },
      ofCase: (caseId: string) => {
        available("blood");
        return q().blood.ofCase(caseId);
      },
      caseStatus: (caseId: string, targets: BloodTargets, now: Date) => {
        available("blood");
        return q().blood.caseStatus(caseId, targets, now);
      },
      withAlarms: (...args: Parameters<ReturnType<typeof bloodQueries>["withAlarms"]>) =>
        q().blood.withAlarms(...args),
    },

    status: (head: number): (ModelStatus & { lag: number })[] =>
      runner.status().map((s) => ({ ...s, lag: Math.max(0, head - s.checkpoint) })),

    /** Read-your-writes: wait (briefly) until the ready models hold the caller's own command. */
    awaitPosition: async (target: number): Promise<void> => {
      await Promise.race([
        runner.whenCaughtUpTo(target),
        new Promise((r) => setTimeout(r, READ_WAIT_MS).unref()),
      ]);
    },
  };
};

export type ReadModels = ReturnType<typeof readModels>;
