/** A typed business rejection: the command is refused for a reason a person can read (HTTP 409). */
export interface Rejection {
  readonly kind: "rejection";
  /** Machine code, e.g. `decline_needs_redirect_or_escalation`. */
  readonly code: string;
  /** The rule in words, citing the document where there is one. */
  readonly reason: string;
  /** Rule id from docs/rules.md, e.g. `R-REF-3`. */
  readonly rule?: string | undefined;
}

export const reject = (code: string, reason: string, rule?: string): Rejection => ({
  kind: "rejection",
  code,
  reason,
  rule,
});

export const isRejection = (value: unknown): value is Rejection =>
  typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "rejection";

/** The outcome of `decide`: the events to append, or why not. */
export type Decision<E> = readonly E[] | Rejection;

export interface Decider<C, E, S, Ctx> {
  initialState: () => S;
  evolve: (state: S, event: E) => S;
  decide: (command: C, state: S, context: Ctx) => Decision<E>;
}

/** Folds a stream's events into its state. */
export const fold = <E, S>(
  decider: Pick<Decider<unknown, E, S, unknown>, "initialState" | "evolve">,
  events: Iterable<E>,
): S => {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
};
