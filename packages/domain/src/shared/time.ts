/** The one clock: injected everywhere so that tests and replays are deterministic. */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
