import { type Rejection, reject } from "./decider.js";
import { ALLOWED_CLOCK_SKEW_MS } from "./rules.js";

/**
 * Every step's `occurredAt` is the time the user gives (crews enter things late). It may not lie in the
 * future beyond the allowed clock skew, and it may not precede the stream's previous step: a timeline that
 * runs backwards cannot be audited (000 §十二(十), §十八(二): the record must be usable 以备查考).
 */
export const checkOccurredAt = (
  occurredAt: string,
  previousOccurredAt: string | undefined,
  now: Date,
): Rejection | undefined => {
  const at = Date.parse(occurredAt);
  if (Number.isNaN(at))
    return reject("invalid_occurred_at", `occurredAt ${occurredAt} is not a valid instant`);
  if (at > now.getTime() + ALLOWED_CLOCK_SKEW_MS) {
    return reject(
      "occurred_in_future",
      `occurredAt ${occurredAt} lies in the future (now is ${now.toISOString()}); a step is recorded when it has happened`,
    );
  }
  if (previousOccurredAt !== undefined && at < Date.parse(previousOccurredAt)) {
    return reject(
      "occurred_before_previous_step",
      `occurredAt ${occurredAt} is before the previous step (${previousOccurredAt}); steps are recorded in the order they happened`,
    );
  }
  return undefined;
};
