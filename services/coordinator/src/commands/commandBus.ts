import { createHash } from "node:crypto";
import {
  type Clock,
  CURRENT_SCHEMA_VERSION,
  type Decider,
  type DecisionContext,
  type DomainEvent,
  fold,
  isRejection,
  parseDomainEvent,
  type ReferenceLookup,
} from "@mtc/domain";
import {
  EventIdConflictError,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from "@mtc/eventstore";
import { v5 as uuidv5 } from "uuid";
import type { Principal } from "../auth/roles.js";
import { conflict, fromRejection, HttpProblem, notFound } from "../errors.js";

/** Namespace of the UUIDs derived from commands: a retried command yields the same ids. */
const COMMAND_NAMESPACE = "6f1c2a3e-8d4b-5c6a-9e7f-0a1b2c3d4e5f";

/** What a command answered; a retry with the same idempotency key gets this same answer. */
export interface CommandAnswer {
  streamId: string;
  /** The case the record belongs to: for a creation, the case it opened or continued. */
  caseId: string;
  /** Revision of the stream after the command. */
  revision: number;
  /** Global log position of the command's last event. */
  position: number;
  events: string[];
}

export interface AggregateCommand<C, E extends DomainEvent, S> {
  streamId: string;
  command: C;
  decider: Decider<C, E, S, DecisionContext>;
  /** Creation commands start a stream; all others answer 404 when it does not exist. */
  creates: boolean;
  /** Throws 403 when the principal may not run this command on this record (history is empty for a creation). */
  authorise(history: readonly E[], principal: Principal, command: C): void;
  /** The command's type, as recorded with a refusal. */
  commandType: string;
  /** The case the record belongs to (correlation id of its events); for a creation, the settled case id. */
  caseIdOf(history: readonly E[], decided: readonly E[]): string;
  /** When the command happened in the world, as the user says. */
  occurredAt: string;
}

export interface CommandContext {
  principal: Principal;
  idempotencyKey: string;
  /** Hash of method, route and body: the same key with another request is refused. */
  requestHash: string;
  /** The command that caused this one (a unit command run for a transfer command, ADR 0009); default: itself. */
  causationId?: string;
}

export interface CommandBusDeps {
  store: EventStore;
  reference: () => ReferenceLookup;
  clock: Clock;
  /** Resolves when the projections have applied the given position (read-your-writes for the caller). */
  awaitProjections?: (position: number) => Promise<void>;
}

export const commandIdFor = (principal: Principal, idempotencyKey: string): string =>
  uuidv5(`${principal.userId}\n${idempotencyKey}`, COMMAND_NAMESPACE);

/** The id of a command's `index`-th event: a retried command's append is recognised by its ids. */
export const eventIdFor = (commandId: string, index: number): string =>
  uuidv5(`${commandId}:${index}`, COMMAND_NAMESPACE);

/** A business id derived from the command id, so that a retried creation finds the stream it created. */
export const derivedId = (commandId: string, prefix: string): string =>
  `${prefix}${createHash("sha256").update(commandId).digest("base64url").replace(/[-_]/g, "").slice(0, 14)}`;

export const hashRequest = (parts: unknown): string =>
  createHash("sha256").update(JSON.stringify(parts)).digest("hex");

const MAX_ATTEMPTS = 3;

/** Every case the service opened has a `case-<caseId>` stream whose first event claims its id. */
export const CASE_CATEGORY = "case";
const caseStreamId = (caseId: string): string => `${CASE_CATEGORY}-${caseId}`;
/** 31^6 ids a region and year: a few candidates always find a free one. */
const MAX_CASE_ID_CANDIDATES = 8;

/** Refusals are recorded in `refusal-<commandId>` streams; projections read only the domain's categories. */
export const REFUSAL_CATEGORY = "refusal";
const refusalStreamId = (commandId: string): string => `${REFUSAL_CATEGORY}-${commandId}`;

/** What a `CommandRefused` event holds: enough to answer a retry exactly as the first attempt was answered. */
interface RefusalRecord {
  requestHash: string;
  commandType: string;
  streamId: string;
  problem: { status: number; title: string; detail: string; code?: string; rule?: string };
}

/**
 * Reads, decides, appends — idempotently and with optimistic concurrency. Routes call this and nothing else.
 * Every answer comes from the log (ADR 2): events for a command that was carried out, a `CommandRefused` event
 * for one the domain refused; nothing in memory is needed, so a restart or a second instance answers the same.
 */
export const commandBus = (deps: CommandBusDeps) => {
  const execute = async <C, E extends DomainEvent, S>(
    spec: AggregateCommand<C, E, S>,
    ctx: CommandContext,
  ): Promise<CommandAnswer> => {
    const commandId = commandIdFor(ctx.principal, ctx.idempotencyKey);
    await answerIfRefused(commandId, ctx.requestHash);
    try {
      const answer = await attempt(spec, ctx, commandId, 1);
      await deps.awaitProjections?.(answer.position);
      return answer;
    } catch (error) {
      // The ids derived from this key are already used by another command's events, in another stream.
      if (error instanceof EventIdConflictError) throw idempotencyKeyReused();
      throw error;
    }
  };

  /** A refusal recorded for this command id: the same request gets it again, another request a 409. */
  const answerIfRefused = async (commandId: string, requestHash: string): Promise<void> => {
    for await (const recorded of deps.store.readStream(refusalStreamId(commandId))) {
      const refusal = recorded.data as RefusalRecord;
      if (refusal.requestHash !== requestHash) throw idempotencyKeyReused();
      const { status, title, detail, code, rule } = refusal.problem;
      throw new HttpProblem(status, title, detail, {
        ...(code !== undefined ? { code } : {}),
        ...(rule !== undefined ? { rule } : {}),
      });
    }
  };

  /**
   * Records a domain refusal, then answers from what is recorded. The event id is the one the command's first
   * event would have had: if this key already produced events elsewhere, the store refuses it (EventIdConflictError
   * → 409 idempotency_key_reused); a concurrent duplicate of the same refusal is a no-op.
   */
  const refuse = async <C, E extends DomainEvent, S>(
    spec: AggregateCommand<C, E, S>,
    ctx: CommandContext,
    commandId: string,
    caseId: string,
    problem: HttpProblem,
  ): Promise<never> => {
    const record: RefusalRecord = {
      requestHash: ctx.requestHash,
      commandType: spec.commandType,
      streamId: spec.streamId,
      problem: {
        status: problem.status,
        title: problem.title,
        detail: problem.message,
        ...pickString(problem.extra, "code"),
        ...pickString(problem.extra, "rule"),
      },
    };
    try {
      await deps.store.append(
        refusalStreamId(commandId),
        [
          {
            id: uuidv5(`${commandId}:0`, COMMAND_NAMESPACE),
            type: "CommandRefused",
            data: record,
            metadata: metadataFor(ctx, commandId, caseId, spec.occurredAt),
          },
        ],
        "no_stream",
      );
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
    }
    await answerIfRefused(commandId, ctx.requestHash);
    throw problem;
  };

  const attempt = async <C, E extends DomainEvent, S>(
    spec: AggregateCommand<C, E, S>,
    ctx: CommandContext,
    commandId: string,
    attemptNo: number,
  ): Promise<CommandAnswer> => {
    const recorded = await readAll(deps.store, spec.streamId);
    const earlier = recorded.filter((r) => r.metadata.commandId === commandId);
    if (earlier.length > 0) return answerFromLog(spec.streamId, earlier, ctx.requestHash);
    if (!spec.creates && recorded.length === 0) {
      // The role is checked first, so an unknown record and another institution's answer the same 404.
      spec.authorise([], ctx.principal, spec.command);
      throw notFound(`record ${spec.streamId}`);
    }

    const history = recorded.map((r) => toDomainEvent(r) as E);
    spec.authorise(history, ctx.principal, spec.command);
    const state = fold(spec.decider, history);
    const decision = spec.decider.decide(spec.command, state, {
      now: deps.clock(),
      reference: deps.reference(),
    });
    const caseId = spec.caseIdOf(history, []);
    if (isRejection(decision)) return refuse(spec, ctx, commandId, caseId, fromRejection(decision));
    if (decision.length === 0) {
      return refuse(
        spec,
        ctx,
        commandId,
        caseId,
        conflict("the command changes nothing", { code: "no_change" }),
      );
    }

    const events: NewEvent[] = decision.map((event, index) => ({
      id: eventIdFor(commandId, index),
      type: event.type,
      data: event.data,
      metadata: metadataFor(ctx, commandId, spec.caseIdOf(history, decision), spec.occurredAt),
    }));
    const last = recorded.at(-1);
    try {
      const result = await deps.store.append(spec.streamId, events, last ? last.revision : "no_stream");
      return {
        streamId: spec.streamId,
        caseId: spec.caseIdOf(history, decision),
        revision: result.nextExpectedRevision,
        position: result.position,
        events: events.map((e) => e.type),
      };
    } catch (error) {
      // Someone else wrote to the record meanwhile: decide again on the new state.
      if (error instanceof WrongExpectedRevisionError && attemptNo < MAX_ATTEMPTS) {
        return attempt(spec, ctx, commandId, attemptNo + 1);
      }
      throw error;
    }
  };

  /**
   * Opens a new case (登记一例) under the first candidate id no other case holds: each candidate is claimed with
   * a `CaseOpened` event in its own `case-<caseId>` stream, appended with `no_stream`. The claim lives in the
   * log, not in a read model, so a case opens while the read models rebuild and two instances can never hand
   * out one id twice; the event id comes from the command id, so a retried command re-claims its own id.
   */
  const openCase = async (
    ctx: CommandContext,
    candidate: (attempt: number) => string,
    opening: { institutionId: string | undefined; occurredAt: string },
  ): Promise<string> => {
    const commandId = commandIdFor(ctx.principal, ctx.idempotencyKey);
    const eventId = uuidv5(`${commandId}:case`, COMMAND_NAMESPACE);
    for (let attempt = 0; attempt < MAX_CASE_ID_CANDIDATES; attempt++) {
      const caseId = candidate(attempt);
      try {
        await deps.store.append(
          caseStreamId(caseId),
          [
            {
              id: eventId,
              type: "CaseOpened",
              data: { caseId, openedBy: opening.institutionId ?? null, occurredAt: opening.occurredAt },
              metadata: metadataFor(ctx, commandId, caseId, opening.occurredAt),
            },
          ],
          "no_stream",
        );
        return caseId;
      } catch (error) {
        // This key's claim already stands in another case's stream: the key was used for another request.
        if (error instanceof EventIdConflictError) throw idempotencyKeyReused();
        // Another case holds this id (its stream exists, with another command's event): try the next one.
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
      }
    }
    throw new Error(`no free case id after ${MAX_CASE_ID_CANDIDATES} candidates for command ${commandId}`);
  };

  /**
   * What this command was already answered, if anything: its events (a retry), or its recorded refusal or a
   * reused key, thrown as the first time. Lets a caller skip work that only a new command may do (ADR 0009).
   */
  const earlierAnswer = async <C, E extends DomainEvent, S>(
    spec: AggregateCommand<C, E, S>,
    ctx: CommandContext,
  ): Promise<CommandAnswer | undefined> => {
    const commandId = commandIdFor(ctx.principal, ctx.idempotencyKey);
    await answerIfRefused(commandId, ctx.requestHash);
    const earlier = (await readAll(deps.store, spec.streamId)).filter(
      (r) => r.metadata.commandId === commandId,
    );
    return earlier.length > 0 ? answerFromLog(spec.streamId, earlier, ctx.requestHash) : undefined;
  };

  /** The domain events of one record, read from the log (not a read model): for checks that must hold now. */
  const recordOf = async (streamId: string): Promise<DomainEvent[]> =>
    (await readAll(deps.store, streamId)).map(toDomainEvent);

  return { execute, openCase, recordOf, earlierAnswer };
};

const metadataFor = (ctx: CommandContext, commandId: string, caseId: string, occurredAt: string) => ({
  actor: {
    userId: ctx.principal.userId,
    role: ctx.principal.role,
    institutionId: ctx.principal.institutionId,
  },
  caseId,
  causationId: ctx.causationId ?? commandId,
  commandId,
  occurredAt,
  schemaVersion: CURRENT_SCHEMA_VERSION,
  requestHash: ctx.requestHash,
});

const pickString = (extra: Record<string, unknown>, key: string): Record<string, string> => {
  const value = extra[key];
  return typeof value === "string" ? { [key]: value } : {};
};

const readAll = async (store: EventStore, streamId: string): Promise<RecordedEvent[]> => {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(streamId)) events.push(event);
  return events;
};

const toDomainEvent = (recorded: RecordedEvent): DomainEvent => {
  const parsed = parseDomainEvent(recorded.type, recorded.data, recorded.metadata.schemaVersion);
  if (!parsed.ok) {
    throw new Error(
      `stored event ${recorded.streamId}@${recorded.revision} cannot be read: ${parsed.reason}`,
    );
  }
  return parsed.event;
};

const answerFromLog = (streamId: string, earlier: RecordedEvent[], requestHash: string): CommandAnswer => {
  const last = earlier.at(-1) as RecordedEvent;
  if (last.metadata.requestHash !== undefined && last.metadata.requestHash !== requestHash) {
    throw idempotencyKeyReused();
  }
  return {
    streamId,
    caseId: last.metadata.caseId,
    revision: last.revision,
    position: last.position,
    events: earlier.map((e) => e.type),
  };
};

const idempotencyKeyReused = () =>
  new HttpProblem(
    409,
    "Conflict",
    "this Idempotency-Key was already used for a different request; use a new key for a new command",
    { code: "idempotency_key_reused" },
  );
