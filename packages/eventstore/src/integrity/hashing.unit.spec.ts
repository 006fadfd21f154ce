import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventMetadata, RecordedEvent } from "../port.js";
import { chainEvent, GENESIS_HASH, globalHashOf, streamHashOf } from "./hashing.js";

/** JSON as the store reads it back: any nesting, any (well-formed) text in keys and values, safe numbers. */
const json = fc.jsonValue({ maxDepth: 3 });
const text = fc.string({ unit: "grapheme", maxLength: 12 });
const hash = fc.stringMatching(/^[0-9a-f]{64}$/);

const event = fc.record({
  id: fc.uuid(),
  streamId: text.map((s) => `referral-${s}`),
  revision: fc.nat(),
  position: fc.nat(),
  type: text,
  data: json,
  metadata: fc.record({ caseId: text, extra: json }),
  recordedAt: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
});

describe("the hash chain's links (ADR 0006)", () => {
  it("chainEvent writes the same bytes as the reference links, for any event and previous links", () => {
    fc.assert(
      fc.property(event, hash, hash, (e, streamPrev, globalPrev) => {
        const recorded = { ...e, metadata: e.metadata as unknown as EventMetadata } as RecordedEvent;
        const links = chainEvent(recorded, streamPrev, globalPrev);
        const streamHash = streamHashOf(streamPrev, recorded);
        expect(links).toEqual({
          streamHash,
          globalPrev,
          globalHash: globalHashOf(globalPrev, recorded, streamHash),
        });
      }),
      { numRuns: 2_000 },
    );
  });

  it("a link depends on every field it covers", () => {
    const base = {
      id: "00000000-0000-4000-8000-000000000001",
      streamId: "referral-R1",
      revision: 0,
      position: 1,
      type: "ReferralRequested",
      data: { note: "产后出血" },
      metadata: { caseId: "QC-2026-7KX3F9" } as unknown as EventMetadata,
      recordedAt: "2026-11-29T00:00:00.000Z",
    } as RecordedEvent;
    const links = chainEvent(base, GENESIS_HASH, GENESIS_HASH);
    const changed: Partial<RecordedEvent>[] = [
      { id: "00000000-0000-4000-8000-000000000002" },
      { streamId: "referral-R2" },
      { revision: 1 },
      { type: "ReferralAccepted" },
      { data: { note: "产后出血 " } },
      { metadata: { caseId: "QC-2026-7KX3F8" } as unknown as EventMetadata },
    ];
    for (const change of changed)
      expect(chainEvent({ ...base, ...change }, GENESIS_HASH, GENESIS_HASH).streamHash).not.toBe(
        links.streamHash,
      );
    // Fixed only at the write: in the global link, not the stream's.
    for (const change of [{ position: 2 }, { recordedAt: "2026-11-29T00:00:00.001Z" }]) {
      const other = chainEvent({ ...base, ...change }, GENESIS_HASH, GENESIS_HASH);
      expect(other.streamHash).toBe(links.streamHash);
      expect(other.globalHash).not.toBe(links.globalHash);
    }
  });
});
