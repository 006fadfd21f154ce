/**
 * What changed in a board item, field by field (protocol `mtc.board.v2`): the top-level fields whose value is
 * new, and the fields the item no longer has. An alarm tick changes one or two fields of an item of about a
 * kilobyte; sending only those is what lets a burst of ticks reach a thousand clients (ADR 8).
 */
export interface ItemPatch {
  /** Top-level fields with their new values. */
  patch: Record<string, unknown>;
  /** Top-level fields the item no longer has; absent when there are none. */
  unset?: string[];
}

/** Values as JSON would carry them: equal when their JSON is (fields built by the same code keep their order). */
const sameValue = (a: unknown, b: unknown): boolean =>
  a === b ||
  (typeof a === "object" &&
    a !== null &&
    typeof b === "object" &&
    b !== null &&
    JSON.stringify(a) === JSON.stringify(b));

/**
 * The patch that turns `previous` into `next`, or undefined when JSON would show no difference. A field whose
 * value is undefined counts as absent, as JSON drops it.
 */
export const patchOf = (previous: object, next: object): ItemPatch | undefined => {
  const before = previous as Record<string, unknown>;
  const after = next as Record<string, unknown>;
  const patch: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  let changed = false;
  for (const key of Object.keys(after)) {
    const value = after[key];
    // Own fields only: an inherited `__proto__` or `constructor` is not a field the client holds.
    const was = Object.hasOwn(before, key) ? before[key] : undefined;
    if (value === undefined || sameValue(was, value)) continue;
    patch[key] = value;
    changed = true;
  }
  const unset = Object.keys(before).filter(
    (key) => before[key] !== undefined && (!Object.hasOwn(after, key) || after[key] === undefined),
  );
  if (!changed && unset.length === 0) return undefined;
  return unset.length > 0 ? { patch, unset } : { patch };
};
