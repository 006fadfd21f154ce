/** The one clock: injected everywhere so that tests and replays are deterministic. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();

/** How far into the future a user-given time may lie (clocks on phones and ambulance tablets drift). */
export const ALLOWED_CLOCK_SKEW_MS = 2 * 60 * 1000;
