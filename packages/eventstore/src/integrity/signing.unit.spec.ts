import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyExport } from "./caseExport.js";
import { GENESIS_HASH, streamHashOf } from "./hashing.js";
import { signHead, verifyHead, verifyJson } from "./signedHead.js";

const event = (data: unknown) => ({
  id: "e1",
  streamId: "referral-1",
  revision: 0,
  type: "ReferralRequested",
  data,
  metadata: {
    actor: { userId: "u", role: "hospital_staff" },
    caseId: "c",
    causationId: "x",
    commandId: "x",
    occurredAt: "2026-01-01T00:00:00.000Z",
    schemaVersion: 1,
  },
});

describe("hashing and signatures (ADR 0006)", () => {
  it("hashes RFC 8785 bytes: key order does not matter, content does", () => {
    const a = streamHashOf(GENESIS_HASH, event({ weeks: 34, name: "王秀兰" }));
    expect(streamHashOf(GENESIS_HASH, event({ name: "王秀兰", weeks: 34 }))).toBe(a);
    expect(streamHashOf(GENESIS_HASH, event({ name: "王秀兰", weeks: 35 }))).not.toBe(a);
    expect(streamHashOf(a, event({ weeks: 34, name: "王秀兰" }))).not.toBe(a);
  });

  it("a signed head verifies, and no longer does when any field changes", () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const head = signHead(
      { position: 7, globalHash: "ab".repeat(32), signedAt: "2026-01-01T00:00:00.000Z" },
      privateKey,
    );
    expect(verifyHead(head)).toBe(true);
    expect(verifyHead({ ...head, position: 8 })).toBe(false);
    expect(verifyHead({ ...head, globalHash: "cd".repeat(32) })).toBe(false);
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(verifyHead({ ...head, publicKey: other })).toBe(false);
  });

  it("refuses keys that are not Ed25519 and malformed input without throwing", () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const pem = ec.publicKey.export({ type: "spki", format: "pem" }).toString();
    expect(verifyJson({ a: 1 }, "AAAA", pem)).toBe(false);
    expect(verifyJson({ a: 1 }, "AAAA", "not a key")).toBe(false);
    expect(verifyExport(null)).toMatchObject({ ok: false, problems: ["not a mtc.case-export.v1 document"] });
    expect(verifyExport({ format: "mtc.case-export.v1", streams: [] }).ok).toBe(false);
  });
});
