import { expect } from "vitest";
import type { DecisionContext } from "../shared/context.js";
import { type Decider, fold, isRejection } from "../shared/decider.js";
import { fixtureContext } from "./fixture.js";

/**
 * given(events).when(command).then(events) / .thenRejects(code): a decider test that reads as the rule.
 * The state is folded from the given events with the decider's own evolve, as the service does.
 */
export const specification =
  <C, E, S>(
    decider: Decider<C, E, S, DecisionContext>,
    context: () => DecisionContext = () => fixtureContext(),
  ) =>
  (given: readonly E[]) => ({
    when: (command: C) => {
      const decision = () => decider.decide(command, fold(decider, given), context());
      return {
        // biome-ignore lint/suspicious/noThenProperty: given/when/then reads as the rule; this object is never awaited
        then: (expected: readonly E[]) => {
          const result = decision();
          if (isRejection(result))
            throw new Error(`expected events, got rejection ${result.code}: ${result.reason}`);
          expect(result).toEqual(expected);
          return result;
        },
        thenRejects: (code: string) => {
          const result = decision();
          if (!isRejection(result))
            throw new Error(`expected rejection ${code}, got ${JSON.stringify(result)}`);
          expect(result.code).toBe(code);
          expect(result.reason.length).toBeGreaterThan(10);
          return result;
        },
      };
    },
  });
