/**
 * What the live feeds (`/ws/board`, `/ws/arrivals`; docs/asyncapi.yaml) send, and how a page applies it. The
 * pages offer `mtc.board.v2` first: a change to an item the page already holds carries only the fields that
 * changed (`patch`, `unset`), which is what keeps a minute's alarm tick on a large board to a few kilobytes.
 */
export const FEED_PROTOCOLS = ["mtc.board.v2", "mtc.board.v1"] as const;

/** One change: the whole item, null when it left the view, or the fields of the held item that changed. */
export type WireChange<Item> = { position: number; itemId: string } & (
  | { item: Item | null }
  | { patch: Record<string, unknown>; unset?: string[] }
);

export type FeedMessage<Item> =
  | { type: "snapshot"; position: number; epoch?: string; items: Item[] }
  | ({ type: "change" } & WireChange<Item>)
  | {
      type: "changes";
      position: number;
      /** The latest state of each item that changed while this client was behind (not every change). */
      coalesced?: boolean;
      changes: WireChange<Item>[];
    }
  | { type: "caught_up"; position: number; epoch?: string }
  | { type: "heartbeat"; position: number };

export type Applied<Item> =
  | { kind: "set"; item: Item; isNew: boolean }
  | { kind: "removed" }
  /** A patch of an item this page does not hold: its board can no longer be trusted; start again. */
  | { kind: "unknown" };

/** Applies one change to the page's items (a patch yields a new object: rendered rows are never mutated). */
export const applyChange = <Item extends object>(
  items: Map<string, Item>,
  change: WireChange<Item>,
): Applied<Item> => {
  if ("patch" in change) {
    const held = items.get(change.itemId);
    if (!held) return { kind: "unknown" };
    const next: Record<string, unknown> = { ...held, ...change.patch };
    for (const key of change.unset ?? []) delete next[key];
    items.set(change.itemId, next as Item);
    return { kind: "set", item: next as Item, isNew: false };
  }
  if (change.item === null) {
    items.delete(change.itemId);
    return { kind: "removed" };
  }
  const isNew = !items.has(change.itemId);
  items.set(change.itemId, change.item);
  return { kind: "set", item: change.item, isNew };
};

/** The query that resumes a feed after the last position applied, from the feed life that told it. */
export const resumeQuery = (position: number | undefined, epoch: string | undefined): string =>
  position === undefined
    ? ""
    : `?after=${position}${epoch === undefined ? "" : `&epoch=${encodeURIComponent(epoch)}`}`;
