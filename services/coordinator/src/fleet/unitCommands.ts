import {
  type Clock,
  type Decider,
  type DecisionContext,
  type DomainEvent,
  fold,
  isRejection,
  type ReferenceLookup,
  type TransferCommand,
  type TransferEvent,
  type TransferState,
  transferDecider,
  type UnitCommand,
  type UnitEvent,
  unitDecider,
  unitStreamId,
} from "@mtc/domain";
import type { Principal } from "../auth/roles.js";
import {
  type AggregateCommand,
  type CommandAnswer,
  type CommandContext,
  type commandBus,
  commandIdFor,
  hashRequest,
} from "../commands/commandBus.js";
import { HttpProblem } from "../errors.js";

type Bus = ReturnType<typeof commandBus>;
type Authorise = (history: readonly DomainEvent[], principal: Principal, command: UnitCommand) => void;
type TransferAggregate = AggregateCommand<TransferCommand, DomainEvent, unknown>;

const asDomainDecider = unitDecider as unknown as Decider<UnitCommand, DomainEvent, unknown, DecisionContext>;

/** The case a unit event belongs to; a unit's own events (out of service) belong to no case: its stream id. */
const caseOfUnit = (ambulanceId: string, decided: readonly DomainEvent[]): string => {
  for (const event of decided) if ("caseId" in event.data) return event.data.caseId;
  return unitStreamId(ambulanceId);
};

/** A unit command for the command bus: idempotent, with optimistic concurrency on `unit-<ambulanceId>`. */
export const unitAggregate = (
  command: UnitCommand,
  authorise: Authorise,
): AggregateCommand<UnitCommand, DomainEvent, unknown> => ({
  streamId: unitStreamId(command.ambulanceId),
  command,
  commandType: command.type,
  decider: asDomainDecider,
  // A unit's stream starts with its first event; the ambulance itself comes from the reference data.
  creates: true,
  authorise,
  caseIdOf: (_history, decided) => caseOfUnit(command.ambulanceId, decided),
  occurredAt: command.data.occurredAt,
});

/** The unit command a transfer command implies is a command of its own, under a key derived from the transfer's. */
const derivedContext = (ctx: CommandContext, suffix: string, command: UnitCommand): CommandContext => ({
  principal: ctx.principal,
  idempotencyKey: `${ctx.idempotencyKey}.${suffix}`,
  requestHash: hashRequest([command.type, command.ambulanceId, command.data]),
  // Its events name the transfer command they were written for.
  causationId: commandIdFor(ctx.principal, ctx.idempotencyKey),
});

/** Already authorised as the transfer command that implies it. */
const authorisedByTransfer: Authorise = () => undefined;

const transferStateOf = (history: readonly DomainEvent[]): TransferState =>
  fold(transferDecider, history as TransferEvent[]);

type UnitStep = "at_scene" | "transporting" | "at_hospital";
type Release = "handed_over" | "cancelled";

/** What each later transfer step does to its unit (issue 9 §4). */
const STEP_EFFECTS: Partial<Record<TransferCommand["type"], UnitStep | Release>> = {
  RecordUnitArrivedAtOrigin: "at_scene",
  RecordDeparture: "transporting",
  RecordArrival: "at_hospital",
  CompleteHandover: "handed_over",
  CancelTransfer: "cancelled",
};

/**
 * Runs transfer commands and moves the ambulance with them (ADR 0009). The dispatch first claims the unit on
 * its own stream, appended with the stream's revision: of two dispatchers taking one unit at once, one claim
 * lands and the other decides again on the claimed unit and is refused (409 naming its status). Later steps
 * record the unit's status after the transfer's own event; a retry with the same key finishes what a crash
 * left undone, since each part answers from the log.
 */
export const transferWithUnits = (bus: Bus, deps: { reference: () => ReferenceLookup; clock: Clock }) => {
  const run = async (command: UnitCommand, ctx: CommandContext, suffix: string): Promise<void> => {
    await bus.execute(unitAggregate(command, authorisedByTransfer), derivedContext(ctx, suffix, command));
  };

  /** Is the unit on this transfer? One taken off it by an override no longer follows its steps. */
  const unitOn = async (ambulanceId: string, transferId: string): Promise<boolean> => {
    const unit = fold(unitDecider, (await bus.recordOf(unitStreamId(ambulanceId))) as UnitEvent[]);
    return unit.transfer?.transferId === transferId;
  };

  const dispatch = async (
    aggregate: TransferAggregate,
    ctx: CommandContext,
    command: Extract<TransferCommand, { type: "DispatchUnit" }>,
  ): Promise<CommandAnswer> => {
    const history = await bus.recordOf(aggregate.streamId);
    // Unknown or not yours: the transfer's own answer (404), before anything is read about the unit.
    if (history.length === 0) return bus.execute(aggregate, ctx);
    aggregate.authorise(history, ctx.principal, command);
    // A retry of a dispatch carried out, a refusal recorded, or a key used for another request: that answer,
    // and no claim. (A key already used for a command on another record shows only when the transfer's events
    // are appended: then the claim is withdrawn, as below.)
    const earlier = await bus.earlierAnswer(aggregate, ctx);
    if (earlier) return earlier;
    const state = transferStateOf(history);
    const decision = transferDecider.decide(command, state, {
      now: deps.clock(),
      reference: deps.reference(),
    });
    // Refused by the transfer (not waiting for a unit, a type that does not fit): recorded as the bus does.
    if (isRejection(decision) || state.status !== "requested") return bus.execute(aggregate, ctx);
    const claim: UnitCommand = {
      type: "AssignUnit",
      ambulanceId: command.data.ambulanceId,
      data: {
        transferId: command.transferId,
        caseId: state.caseId,
        // 000 §十二(六), R-TRF-5: purple is the grade of infectious disease.
        infectious: state.riskGrade === "purple",
        ...(command.data.overrideReason !== undefined ? { overrideReason: command.data.overrideReason } : {}),
        assignedBy: command.data.dispatchedBy,
        occurredAt: command.data.occurredAt,
      },
    };
    // Already claimed for this transfer (an earlier attempt whose transfer append failed): the claim stands.
    if (!(await unitOn(claim.ambulanceId, command.transferId))) await run(claim, ctx, "unit");
    try {
      return await bus.execute(aggregate, ctx);
    } catch (error) {
      // The transfer refused after the unit was claimed (another unit came first): the claim is withdrawn.
      if (
        error instanceof HttpProblem &&
        error.status === 409 &&
        (await unitOn(claim.ambulanceId, command.transferId))
      ) {
        await run(
          {
            type: "ReleaseUnit",
            ambulanceId: claim.ambulanceId,
            data: {
              transferId: command.transferId,
              reason: "dispatch_withdrawn",
              occurredAt: command.data.occurredAt,
            },
          },
          ctx,
          "withdraw",
        );
      }
      throw error;
    }
  };

  return async (aggregate: TransferAggregate, ctx: CommandContext): Promise<CommandAnswer> => {
    const command = aggregate.command;
    if (command.type === "DispatchUnit") return dispatch(aggregate, ctx, command);
    const answer = await bus.execute(aggregate, ctx);
    const effect = STEP_EFFECTS[command.type];
    if (effect === undefined) return answer;
    const state = transferStateOf(await bus.recordOf(aggregate.streamId));
    const ambulanceId = state.status === "none" ? undefined : state.ambulanceId;
    if (ambulanceId === undefined || !(await unitOn(ambulanceId, command.transferId))) return answer;
    const occurredAt = command.data.occurredAt;
    const transferId = command.transferId;
    await run(
      effect === "handed_over" || effect === "cancelled"
        ? { type: "ReleaseUnit", ambulanceId, data: { transferId, reason: effect, occurredAt } }
        : { type: "RecordUnitStatus", ambulanceId, data: { transferId, status: effect, occurredAt } },
      ctx,
      "unit",
    );
    return answer;
  };
};
