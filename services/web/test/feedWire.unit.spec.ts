import { describe, expect, it } from "vitest";
import { applyChange, resumeQuery } from "../src/lib/feedWire.js";

interface Item {
  id: string;
  step?: string;
  alarms?: string[];
  patient?: { name: string };
}

// That a server patch, applied here, gives the server's next item is a property in
// services/coordinator/src/feed/itemPatch.unit.spec.ts.
describe("the pages' feed wire (mtc.board.v2)", () => {
  it("never mutates the item a rendered row holds", () => {
    const held: Item = { id: "transfer-1", step: "requested", alarms: ["departure_overdue"] };
    const items = new Map([["transfer-1", held]]);
    applyChange(items, {
      position: 2,
      itemId: "transfer-1",
      patch: { step: "dispatched" },
      unset: ["alarms"],
    });
    expect(held).toEqual({ id: "transfer-1", step: "requested", alarms: ["departure_overdue"] });
    expect(items.get("transfer-1")).toEqual({ id: "transfer-1", step: "dispatched" });
  });

  it("tells a new item, a removal, and a patch of an item the page does not hold (its board is out of step)", () => {
    const items = new Map<string, Item>();
    expect(applyChange(items, { position: 1, itemId: "a", item: { id: "a" } })).toMatchObject({
      isNew: true,
    });
    expect(applyChange(items, { position: 2, itemId: "a", item: { id: "a", step: "x" } })).toMatchObject({
      isNew: false,
    });
    expect(applyChange(items, { position: 3, itemId: "a", item: null })).toEqual({ kind: "removed" });
    expect(applyChange(items, { position: 4, itemId: "a", patch: { step: "y" } })).toEqual({
      kind: "unknown",
    });
    expect(items.size).toBe(0);
  });

  it("resumes from a position with the feed's epoch, or from nothing", () => {
    expect(resumeQuery(undefined, "e")).toBe("");
    expect(resumeQuery(41, undefined)).toBe("?after=41");
    expect(resumeQuery(41, "0b5c-4e&x")).toBe("?after=41&epoch=0b5c-4e%26x");
  });
});
