import { randomBytes } from "node:crypto";
import { constants, inflateRawSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { sharedMessage } from "./sharedMessage.js";

/** RFC 7692 §7.2.2: the receiver appends the four bytes the sender left off, then inflates. */
const inflate = (payload: Buffer): string =>
  inflateRawSync(Buffer.concat([payload, Buffer.from([0x00, 0x00, 0xff, 0xff])]), {
    finishFlush: constants.Z_SYNC_FLUSH,
  }).toString();

describe("a message shared by every client of a view", () => {
  it("compresses once, to a payload that inflates back to the message", () => {
    const text = JSON.stringify({
      type: "changes",
      changes: Array.from({ length: 200 }, (_, i) => ({ itemId: `referral-${i}`, step: "requested" })),
    });
    const message = sharedMessage(text);
    const compressed = message.compressed();
    expect(compressed).toBeDefined();
    expect((compressed as Buffer).length).toBeLessThan(text.length / 4);
    expect(inflate(compressed as Buffer)).toBe(text);
    // Made on first use and kept: a thousand clients share one compression.
    expect(message.compressed()).toBe(compressed);
    expect(message.plain.toString()).toBe(text);
  });

  it("leaves short messages, and those that do not shrink, plain", () => {
    expect(sharedMessage('{"type":"heartbeat","position":12}').compressed()).toBeUndefined();
    expect(sharedMessage(randomBytes(4096)).compressed()).toBeUndefined();
  });
});
