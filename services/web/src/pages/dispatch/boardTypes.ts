import type { FeedMessage as FeedWireMessage } from "../../lib/feedWire.js";
import type { AlarmKind, BoardAlarm, BoardItem, RiskGrade } from "../../lib/types.js";

export type { AlarmKind, BoardAlarm, BoardItem, RiskGrade };

/** A message of the board feed (docs/asyncapi.yaml). */
export type FeedMessage = FeedWireMessage<BoardItem>;

export const GRADES: readonly RiskGrade[] = ["purple", "red", "orange", "yellow", "green"];

/** Same order as the server's `riskSeverity`: purple and red first. */
const severity: Record<RiskGrade, number> = { purple: 4, red: 4, orange: 3, yellow: 2, green: 1 };

const urgencyRank = (item: BoardItem): number =>
  item.kind === "transfer" || item.urgency === "emergency" ? 0 : item.urgency === "urgent" ? 1 : 2;

/** Transfers are emergencies by nature (000 §十二); referrals by their stated urgency. */
export const isEmergency = (item: BoardItem): boolean =>
  item.kind === "transfer" || item.urgency === "emergency";

const openedMs = new WeakMap<BoardItem, number>();
const openedOf = (item: BoardItem): number => {
  let ms = openedMs.get(item);
  if (ms === undefined) {
    ms = Date.parse(item.openedAt);
    openedMs.set(item, ms);
  }
  return ms;
};

/**
 * The server's default order (`compareByUrgency` in the board view): alarms first, then risk severity, then
 * emergency urgency, then oldest first, then id.
 */
export const compareItems = (a: BoardItem, b: BoardItem): number =>
  Number(b.alarms.length > 0) - Number(a.alarms.length > 0) ||
  severity[b.riskGrade] - severity[a.riskGrade] ||
  urgencyRank(a) - urgencyRank(b) ||
  openedOf(a) - openedOf(b) ||
  (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Inserts into an array kept sorted by `compareItems` (binary search: a change costs log n comparisons). */
export const insertSorted = (sorted: BoardItem[], item: BoardItem): void => {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareItems(sorted[mid] as BoardItem, item) <= 0) low = mid + 1;
    else high = mid;
  }
  sorted.splice(low, 0, item);
};

/** Which actions each transfer step allows on the board. */
export type BoardAction =
  | "dispatch"
  | "unit-arrived"
  | "departure"
  | "en-route"
  | "guidance"
  | "arrival"
  | "eta";
export const actionsForStep: Record<string, BoardAction[]> = {
  requested: ["dispatch"],
  dispatched: ["unit-arrived", "departure"],
  unit_at_origin: ["departure"],
  departed: ["en-route", "guidance", "eta", "arrival"],
};

/** Message key of each action (catalogue keys are camelCase). */
export const actionKey: Record<BoardAction, string> = {
  dispatch: "dispatch",
  "unit-arrived": "unitArrived",
  departure: "departure",
  "en-route": "enRoute",
  guidance: "guidance",
  arrival: "arrival",
  eta: "eta",
};

export const transferIdOf = (item: BoardItem): string => item.id.replace(/^transfer-/, "");
