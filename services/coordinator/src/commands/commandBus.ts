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
  /** The case the record belongs to (correlation id of its events). */
  caseIdOf(history: readonly E[], decided: readonly E[]): string;
  /** When the command happened in the world, as the user says. */
  occurredAt: string;
}

export interface CommandContext {
  principal: Principal;
  idempotencyKey: string;
  /** Hash of method, route and body: the same key with another request is refused. */
  requestHash: string;
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
const ANSWER_CACHE_SIZE = 10_000;

/** Reads, decides, appends — idempotently and with optimistic concurrency. Routes call this and nothing else. */
export const commandBus = (deps: CommandBusDeps) => {
  // Recent answers, including refusals, so that a retry of a refused command is refused the same way.
  const answers = new Map<string, { requestHash: string; outcome: CommandAnswer | HttpProblem }>();
  const remember = (commandId: string, requestHash: string, outcome: CommandAnswer | HttpProblem) => {
    answers.set(commandId, { requestHash, outcome });
    if (answers.size > ANSWER_CACHE_SIZE) answers.delete(answers.keys().next().value as string);
  };

  const replay = (commandId: string, requestHash: string): CommandAnswer | undefined => {
    const seen = answers.get(commandId);
    if (!seen) return undefined;
    if (seen.requestHash !== requestHash) throw idempotencyKeyReused();
    if (seen.outcome instanceof HttpProblem) throw seen.outcome;
    return seen.outcome;
  };

  const execute = async <C, E extends DomainEvent, S>(
    spec: AggregateCommand<C, E, S>,
    ctx: CommandContext,
  ): Promise<CommandAnswer> => {
    const commandId = commandIdFor(ctx.principal, ctx.idempotencyKey);
    const cached = replay(commandId, ctx.requestHash);
    if (cached) return cached;
    try {
      const answer = await attempt(spec, ctx, commandId, 1);
      remember(commandId, ctx.requestHash, answer);
      await deps.awaitProjections?.(answer.position);
      return answer;
    } catch (error) {
      if (error instanceof HttpProblem && error.status === 409) remember(commandId, ctx.requestHash, error);
      throw error;
    }
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
    if (!spec.creates && recorded.length === 0) throw notFound(`record ${spec.streamId}`);

    const history = recorded.map((r) => toDomainEvent(r) as E);
    spec.authorise(history, ctx.principal, spec.command);
    const state = fold(spec.decider, history);
    const decision = spec.decider.decide(spec.command, state, {
      now: deps.clock(),
      reference: deps.reference(),
    });
    if (isRejection(decision)) throw fromRejection(decision);
    if (decision.length === 0) {
      throw conflict("the command changes nothing", { code: "no_change" });
    }

    const caseId = spec.caseIdOf(history, decision);
    const events: NewEvent[] = decision.map((event, index) => ({
      id: eventIdFor(commandId, index),
      type: event.type,
      data: event.data,
      metadata: {
        actor: {
          userId: ctx.principal.userId,
          role: ctx.principal.role,
          institutionId: ctx.principal.institutionId,
        },
        caseId,
        causationId: commandId,
        commandId,
        occurredAt: spec.occurredAt,
        schemaVersion: CURRENT_SCHEMA_VERSION,
        requestHash: ctx.requestHash,
      },
    }));
    const last = recorded.at(-1);
    try {
      const result = await deps.store.append(spec.streamId, events, last ? last.revision : "no_stream");
      return {
        streamId: spec.streamId,
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

  return { execute };
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
  return { streamId, revision: last.revision, position: last.position, events: earlier.map((e) => e.type) };
};

const idempotencyKeyReused = () =>
  new HttpProblem(
    409,
    "Conflict",
    "this Idempotency-Key was already used for a different request; use a new key for a new command",
    { code: "idempotency_key_reused" },
  );
