import { ANY, NO_STREAM, type ResolvedEvent, STREAM_EXISTS } from "@eventstore/db-client";
import { describe, expect, it } from "vitest";
import { newEvent } from "../conformance.js";
import { fromEsdbCurrentRevision, toEsdbExpectedRevision, toEventData, toRecordedEvent } from "./mapping.js";
import { createSemaphore } from "./semaphore.js";

function resolved(streamId: string, type: string, metadata: unknown, commit: bigint): ResolvedEvent {
  const event = {
    streamId,
    id: "5b0f1b9e-0000-4000-8000-000000000001",
    isJson: true as const,
    revision: 3n,
    type,
    created: new Date("2024-05-01T00:00:00Z"),
    data: { a: 1 },
    metadata: metadata as Record<string, unknown>,
    position: { commit, prepare: commit },
  };
  return { event, commitPosition: commit };
}

describe("EventStoreDB mapping", () => {
  it("maps expected revisions to the client's vocabulary and back", () => {
    expect(toEsdbExpectedRevision("no_stream")).toBe(NO_STREAM);
    expect(toEsdbExpectedRevision("stream_exists")).toBe(STREAM_EXISTS);
    expect(toEsdbExpectedRevision("any")).toBe(ANY);
    expect(toEsdbExpectedRevision(4)).toBe(4n);
    expect(fromEsdbCurrentRevision(NO_STREAM)).toBe("no_stream");
    expect(fromEsdbCurrentRevision(-1n)).toBe("no_stream");
    expect(fromEsdbCurrentRevision(7n)).toBe(7);
  });

  it("writes our id and adds $correlationId = caseId and $causationId = causationId", () => {
    const event = newEvent("TransferDeparted");
    const data = toEventData(event);
    expect(data.id).toBe(event.id);
    expect(data.metadata).toEqual({
      ...event.metadata,
      $correlationId: event.metadata.caseId,
      $causationId: event.metadata.causationId,
    });
  });

  it("reads back our metadata without the $ keys, the commit position and `created` as recordedAt", () => {
    const event = newEvent("TransferDeparted");
    const metadata = { ...event.metadata, $correlationId: "x", $causationId: "y" };
    const recorded = toRecordedEvent(resolved("transfer-1", "TransferDeparted", metadata, 1234n));
    expect(recorded).toMatchObject({ streamId: "transfer-1", revision: 3, position: 1234, data: { a: 1 } });
    expect(recorded?.metadata).toEqual(event.metadata);
    expect(recorded?.recordedAt).toBe("2024-05-01T00:00:00.000Z");
  });

  it("hides system events and other categories", () => {
    expect(toRecordedEvent(resolved("$stats-1", "x", {}, 1n))).toBeUndefined();
    expect(toRecordedEvent(resolved("referral-1", "$metadata", {}, 1n))).toBeUndefined();
    expect(toRecordedEvent(resolved("referral-1", "A", {}, 1n), ["transfer"])).toBeUndefined();
    expect(toRecordedEvent(resolved("referral-1", "A", {}, 1n), ["referral"])).toBeDefined();
  });

  it("bounds appends in flight", async () => {
    const limit = createSemaphore(2);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 10 }, () =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setTimeout(resolve, 5));
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
  });
});
