import { randomUUID } from "node:crypto";
import { type Clock, CURRENT_SCHEMA_VERSION } from "@mtc/domain";
import { type EventStore, type RecordedEvent, StoreUnavailableError } from "@mtc/eventstore";
import { ACCESS_CATEGORY, PATIENT_DATA_READ } from "@mtc/projections";
import type { FastifyRequest } from "fastify";
import { LRUCache } from "lru-cache";
import { identityMaskedRoles, type Principal } from "../auth/roles.js";

/**
 * The access log (issue 8 finding 6): every answer that carries a patient's identity (姓名, 身份证号, 联系电话) is
 * preceded by a `PatientDataRead` event in the reader's own stream `access-<userId>`. The event store is
 * append-only and hash-chained (ADR 0006), so the access log is too. "What did user U read" is one stream read;
 * "who read case X" is an index over `data.caseIds`, a read model of its own (`accessModel` in the projections).
 */
export { ACCESS_CATEGORY, PATIENT_DATA_READ };

export type ReadKind =
  | "timeline"
  | "timeline_csv"
  | "transfer_record"
  | "case_export"
  | "case_search"
  | "board"
  | "board_feed"
  | "arrivals"
  | "arrivals_feed"
  | "access_log"
  | "mdt"
  | "mdt_queue";

/** What a read showed. Never the patient's identity, never a searched name in clear. */
export interface PatientDataRead {
  kind: ReadKind;
  /** The cases whose data the answer carried. */
  caseIds: string[];
  /** The route as declared (`GET /api/cases/:id/timeline`), not the URL: ids are in caseIds. */
  route: string;
  /** The client's address as the server saw it. */
  from: string;
  asOf?: string | undefined;
  /** The query's parameters; a name searched for is recorded by its length only. */
  query?: Record<string, string | number> | undefined;
}

export interface RecordedRead extends PatientDataRead {
  revision: number;
  at: string;
  userId: string;
  role: string;
  institutionId?: string | undefined;
}

/**
 * Views refreshed without anyone asking (the hospital inbox polls the board every 5 s; the board page reconnects
 * its feed) are recorded again only when the cases they show change or the interval has passed. Every read a
 * person asks for (a case, a record, a search, a download) is recorded each time.
 */
// The medical-affairs MDT queue is polled like the board.
const REFRESHED_VIEWS: ReadonlySet<ReadKind> = new Set([
  "board",
  "board_feed",
  "arrivals",
  "arrivals_feed",
  "mdt_queue",
]);

export interface AccessLogOptions {
  store: EventStore;
  clock: Clock;
  /** ACCESS_RECORD_REPEAT_MINUTES. */
  repeatMinutes: number;
  /** How many readers' last records are remembered; a forgotten one is recorded again (over-recording is safe). */
  rememberedReaders?: number;
}

export const accessStreamOf = (userId: string): string => `${ACCESS_CATEGORY}-${userId}`;

/** Does this principal see identities? Masked roles' answers carry none, so their reads are not recorded. */
export const seesIdentities = (principal: Principal): boolean => !identityMaskedRoles.has(principal.role);

/** A read as this request made it: the declared route and the client's address (fastify's `request.ip`). */
export const readBy = (
  request: FastifyRequest,
  kind: ReadKind,
  caseIds: readonly string[],
  more: Pick<PatientDataRead, "asOf" | "query"> = {},
): PatientDataRead => ({
  kind,
  caseIds: [...caseIds],
  route: `${request.method} ${request.routeOptions.url ?? ""}`,
  from: request.ip,
  ...(more.asOf !== undefined ? { asOf: more.asOf } : {}),
  ...(more.query !== undefined ? { query: more.query } : {}),
});

export const accessLog = ({ store, clock, repeatMinutes, rememberedReaders = 10_000 }: AccessLogOptions) => {
  const repeatMs = repeatMinutes * 60_000;
  /** Per reader and view: the case set last recorded and when. In memory only: after a restart, reads record again. */
  const lastRecorded = new LRUCache<string, { cases: string; at: number }>({ max: rememberedReaders });

  const append = async (principal: Principal, read: PatientDataRead): Promise<void> => {
    const id = randomUUID();
    const single = read.caseIds.length === 1 ? read.caseIds[0] : undefined;
    try {
      await store.append(
        accessStreamOf(principal.userId),
        [
          {
            id,
            type: PATIENT_DATA_READ,
            data: read,
            metadata: {
              actor: {
                userId: principal.userId,
                role: principal.role,
                institutionId: principal.institutionId,
              },
              // The port needs a correlation id: the case for a single-case read, else the reader.
              caseId: single ?? principal.userId,
              causationId: id,
              commandId: id,
              occurredAt: clock().toISOString(),
              schemaVersion: CURRENT_SCHEMA_VERSION,
            },
          },
        ],
        "any",
      );
    } catch (error) {
      // Issue 8 finding 7: an unwritten access record fails the read with 503, whatever the store's reason.
      if (error instanceof StoreUnavailableError) throw error;
      throw new StoreUnavailableError("io_error", "the access record could not be written", { cause: error });
    }
  };

  /** Records the read before its answer is sent; throws `StoreUnavailableError` when it cannot. */
  const recordRead = async (principal: Principal, read: PatientDataRead): Promise<void> => {
    const cases = [...new Set(read.caseIds)].sort();
    const normalised = { ...read, caseIds: cases };
    if (!REFRESHED_VIEWS.has(read.kind)) return append(principal, normalised);
    const view = JSON.stringify([
      principal.userId,
      read.kind,
      read.route,
      read.asOf ?? null,
      read.query ?? null,
    ]);
    const now = clock().getTime();
    const last = lastRecorded.get(view);
    const casesKey = cases.join(",");
    if (last && last.cases === casesKey && now - last.at < repeatMs) return;
    await append(principal, normalised);
    lastRecorded.set(view, { cases: casesKey, at: now });
  };

  /** Per reader, live feed and case: when its identity was last recorded as delivered. Bounded; forgetting over-records. */
  const lastDelivered = new LRUCache<string, number>({ max: rememberedReaders * 10 });

  /**
   * Records what a live feed is about to deliver (issue 8 §6): the cases of `read` not already recorded for this
   * reader and feed within ACCESS_RECORD_REPEAT_MINUTES, in one record; undefined (nothing to wait for) when
   * there are none. The write rejects with `StoreUnavailableError` when the record cannot be written, and the
   * delivery must not happen.
   */
  const recordDelivery = (principal: Principal, read: PatientDataRead): Promise<void> | undefined => {
    const now = clock().getTime();
    const keyOf = (caseId: string) => `${principal.userId}\u0000${read.kind}\u0000${caseId}`;
    const fresh = [...new Set(read.caseIds)]
      .filter((caseId) => {
        const at = lastDelivered.get(keyOf(caseId));
        return at === undefined || now - at >= repeatMs;
      })
      .sort();
    if (fresh.length === 0) return undefined;
    return append(principal, { ...read, caseIds: fresh }).then(() => {
      for (const caseId of fresh) lastDelivered.set(keyOf(caseId), now);
    });
  };

  const toRecordedRead = (event: RecordedEvent): RecordedRead => {
    const data = event.data as Partial<PatientDataRead>;
    return {
      revision: event.revision,
      at: event.recordedAt,
      userId: event.metadata.actor.userId,
      role: event.metadata.actor.role,
      institutionId: event.metadata.actor.institutionId,
      kind: data.kind ?? "timeline",
      caseIds: data.caseIds ?? [],
      route: data.route ?? "",
      from: data.from ?? "",
      asOf: data.asOf,
      query: data.query,
    };
  };

  const hasRevision = async (streamId: string, revision: number): Promise<boolean> => {
    for await (const _ of store.readStream(streamId, { fromRevision: revision, maxCount: 1 })) return true;
    return false;
  };

  /** The last revision of a stream (-1 when empty), by doubling then halving: the port only reads forwards. */
  const lastRevision = async (streamId: string): Promise<number> => {
    if (!(await hasRevision(streamId, 0))) return -1;
    let present = 0;
    let step = 1;
    while (await hasRevision(streamId, present + step)) {
      present += step;
      step *= 2;
    }
    let absent = present + step;
    while (absent - present > 1) {
      const middle = Math.floor((present + absent) / 2);
      if (await hasRevision(streamId, middle)) present = middle;
      else absent = middle;
    }
    return present;
  };

  /** What user U read, newest first: `limit` reads before revision `before` (exclusive), and the next cursor. */
  const readsOf = async (
    userId: string,
    page: { before?: number | undefined; limit: number },
  ): Promise<{ reads: RecordedRead[]; next: number | null }> => {
    const streamId = accessStreamOf(userId);
    const end = Math.min(page.before ?? Number.POSITIVE_INFINITY, (await lastRevision(streamId)) + 1);
    const start = Math.max(0, end - page.limit);
    const reads: RecordedRead[] = [];
    if (end > start) {
      for await (const event of store.readStream(streamId, { fromRevision: start, maxCount: page.limit })) {
        if (event.revision >= end) break;
        if (event.type === PATIENT_DATA_READ) reads.push(toRecordedRead(event));
      }
    }
    return { reads: reads.reverse(), next: start > 0 ? start : null };
  };

  return { recordRead, recordDelivery, readsOf };
};

export type AccessLog = ReturnType<typeof accessLog>;
