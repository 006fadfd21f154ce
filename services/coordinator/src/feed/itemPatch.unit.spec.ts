import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyChange, type WireChange } from "../../../web/src/lib/feedWire.js";
import { patchOf } from "./itemPatch.js";

/** Items as the board's are: a few known fields, some optional, values of every JSON kind. */
const field = fc.constantFrom(
  "id",
  "step",
  "alarm",
  "preArrival",
  "patient",
  "stepsAt",
  "notes",
  "__proto__",
);
const value = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("at", "level", "name"), fc.oneof(fc.string(), fc.integer()), { maxKeys: 3 }),
);
const item = fc.array(fc.tuple(field, value), { maxLength: 8 }).map((entries) => {
  const made: Record<string, unknown> = {};
  for (const [key, v] of entries)
    Object.defineProperty(made, key, { value: v, enumerable: true, writable: true, configurable: true });
  return made;
});
/** What a client holds: the item as it crossed the wire. */
const asJson = (x: object): unknown => JSON.parse(JSON.stringify(x));

describe("a board item's patch (mtc.board.v2)", () => {
  it("applied by the web pages to the previous item as it crossed the wire, gives the next item as it would have", () => {
    fc.assert(
      fc.property(item, item, (previous, next) => {
        const patch = patchOf(previous, next);
        const items = new Map([["i", asJson(previous) as object]]);
        if (patch) {
          const change = asJson({ position: 0, itemId: "i", ...patch }) as WireChange<object>;
          expect(applyChange(items, change)).toMatchObject({ kind: "set", isNew: false });
        }
        expect(asJson(items.get("i") as object)).toEqual(asJson(next));
      }),
      { numRuns: 2_000 },
    );
  });

  it("is undefined exactly when JSON shows no difference", () => {
    fc.assert(
      fc.property(item, item, (previous, next) => {
        const same = JSON.stringify(asJson(previous)) === JSON.stringify(asJson(next));
        if (same) expect(patchOf(previous, next)).toBeUndefined();
        if (patchOf(previous, next) === undefined) expect(asJson(next)).toEqual(asJson(previous));
      }),
      { numRuns: 2_000 },
    );
  });

  it("carries only what changed: an alarm tick on a large item is a few dozen bytes", () => {
    const previous = {
      id: "transfer-x",
      clinicalSummary: "孕34周，产前出血，血压 90/60".repeat(10),
      alarms: [],
      stepsAt: { requested: "2026-11-30T01:00:00.000Z" },
      preArrival: { acknowledgedAt: null },
    };
    const next = { ...previous, alarms: ["unanswered_emergency"], preArrival: undefined };
    const patch = patchOf(previous, next);
    expect(patch).toEqual({ patch: { alarms: ["unanswered_emergency"] }, unset: ["preArrival"] });
    const bytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x));
    expect(bytes(patch)).toBeLessThan(bytes(next) / 5);
  });
});
