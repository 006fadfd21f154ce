/**
 * The event-store contract (shared/design.md "Event-store contract"). It mirrors EventStoreDB so that the
 * embedded adapter cannot promise what production cannot keep. Only adapters speak a client's vocabulary.
 */

/** Who did it. `institutionId` is set for hospital staff and blood-station users. */
export interface Actor {
  userId: string;
  role: string;
  institutionId?: string | undefined;
}

export interface EventMetadata {
  actor: Actor;
  /** The case the event belongs to; EventStoreDB's `$correlationId`. */
  caseId: string;
  /** The command (or event) that caused this event; EventStoreDB's `$causationId`. */
  causationId: string;
  /** The command that produced the event; retries of one command share it. */
  commandId: string;
  /** When it happened in the world, as the user says (ISO-8601 UTC). */
  occurredAt: string;
  /** Version of the event's data schema, for upcasting on read. */
  schemaVersion: number;
  /** Hash of the request that produced the command, to tell a retry from a reused idempotency key. */
  requestHash?: string | undefined;
}

export interface NewEvent {
  /** UUID; derived from the command id so that a retried append is recognised. */
  id: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

export interface RecordedEvent extends NewEvent {
  streamId: string;
  /** 0-based revision of the event within its stream. */
  revision: number;
  /** Position in the one global order across all streams; strictly increasing, not necessarily dense. */
  position: number;
  /** When the store took it (ISO-8601 UTC). */
  recordedAt: string;
}

/** The hash chain's links of an event (ADR 0006); hex SHA-256 digests, null where the store has none. */
export interface ChainLinks {
  /** SHA-256 over the previous event of the same stream's `streamHash` and this event's stream bytes. */
  streamHash: string | null;
  /** The `globalHash` of the event before this one in the global order, as stored when it was appended. */
  globalPrev: string | null;
  /** SHA-256 over `globalPrev` and this event's global bytes. */
  globalHash: string | null;
}

export interface ChainedEvent extends RecordedEvent, ChainLinks {}

export interface ReadChainOptions {
  /** Exclusive, as in `readAll`. */
  after?: number;
  maxCount?: number;
}

/** `no_stream`: the stream must not exist; `stream_exists`: it must; `any`: no check; a number: the last revision. */
export type ExpectedRevision = "no_stream" | "stream_exists" | "any" | number;

export interface AppendResult {
  /** Revision of the last event of the stream after the append. */
  nextExpectedRevision: number;
  /** Global position of the last event appended (or already present, for a repeated append). */
  position: number;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = "WrongExpectedRevisionError";
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | "no_stream",
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${String(actual)}`);
  }
}

export interface ReadStreamOptions {
  fromRevision?: number;
  /** Page size; adapters read in pages of at most this many events. */
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Omit (or -1) for the beginning of the log. */
  after?: number;
  maxCount?: number;
  /** Only streams whose category (the part before the first `-`) is in this list. */
  categories?: readonly string[];
}

export interface Subscription {
  /** Stops delivery; resolves when the handler is no longer called. */
  close(): Promise<void>;
  /** Resolves when the subscription ends by `close()`, rejects when it fails for good. */
  readonly done: Promise<void>;
}

export interface SubscribeAllOptions extends Omit<ReadAllOptions, "maxCount"> {
  /** Handled strictly in order; the next event is not delivered before the promise resolves. */
  onEvent(event: RecordedEvent): Promise<void> | void;
  /** Called once the subscription has delivered everything recorded when it started (catch-up → live). */
  onCaughtUp?(): void;
  /**
   * Called when the connection dropped and the adapter resubscribes from the last handled position after
   * `retryInMs`, so that a subscription never retries silently. Not called for failures that end it.
   */
  onRetry?(error: unknown, retryInMs: number): void;
}

export interface EventStore {
  readonly kind: "embedded" | "eventstoredb";
  /**
   * Appends atomically. A repeated append of events whose ids are already in the stream (a retried command)
   * writes nothing and returns the first result, whatever the expected revision.
   */
  append(
    streamId: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult>;
  /** All events of a stream from `fromRevision`, in order, read in pages. Empty for a missing stream. */
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;
  /** One page of the global log, in order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** Catch-up from `after`, then live, in order, without gap or duplicate. */
  subscribeAll(options: SubscribeAllOptions): Subscription;
  /** One page of the global log with each event's chain links, in order, every category included (ADR 0006). */
  readChain(options?: ReadChainOptions): Promise<ChainedEvent[]>;
  /** A stream's events with their chain links, from revision 0, in order. */
  readStreamChain(streamId: string): AsyncIterable<ChainedEvent>;
  /** Position of the last event in the log, or -1 when empty. */
  headPosition(): Promise<number>;
  /**
   * Checks, cheaply and without adding events, that the store answers a read and would take a write.
   * Rejects with `StoreUnavailableError` naming why not; used by the service's store-health monitor.
   */
  probe(): Promise<void>;
  close(): Promise<void>;
}

/** The category of a stream id: what stands before the first `-`. */
export function categoryOf(streamId: string): string {
  const dash = streamId.indexOf("-");
  return dash < 0 ? streamId : streamId.slice(0, dash);
}

/** Some of an append's event ids are already stored, but not as that same append: a reused id, never a retry. */
export class EventIdConflictError extends Error {
  override readonly name = "EventIdConflictError";
  constructor(
    readonly streamId: string,
    readonly eventId: string,
    reason: string,
  ) {
    super(`stream ${streamId}: event id ${eventId} ${reason}`);
  }
}

/** Why the store cannot serve now; each adapter maps its own client's errors to one of these. */
export type StoreUnavailableReason =
  | "disk_full"
  | "read_only"
  | "locked"
  | "corrupt"
  | "io_error"
  | "unreachable";

/** How long a client should wait before retrying, per reason: a lock passes in moments, a full disk needs an operator. */
const RETRY_AFTER_SECONDS: Readonly<Record<StoreUnavailableReason, number>> = {
  disk_full: 30,
  read_only: 30,
  locked: 1,
  corrupt: 60,
  io_error: 5,
  unreachable: 5,
};

/**
 * The store cannot take or serve the request now, for a reason outside the request. An append that fails with it
 * was not acknowledged; retrying it with the same event ids is safe (a repeated append writes nothing twice).
 * Concurrency and id conflicts are never reported this way.
 */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  readonly retryAfterSeconds: number;
  constructor(
    readonly reason: StoreUnavailableReason,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`event store unavailable (${reason}): ${detail}`, options);
    this.retryAfterSeconds = RETRY_AFTER_SECONDS[reason];
  }
}
