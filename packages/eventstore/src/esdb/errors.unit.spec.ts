import { describe, expect, it } from "vitest";
import { classifyEsdbError } from "./errors.js";

describe("EventStoreDB error classification", () => {
  it("a raw gRPC UNAVAILABLE or DEADLINE_EXCEEDED (as the client leaves it on append) is unreachable", () => {
    for (const code of [14, 4]) {
      const raw = Object.assign(new Error(`${code} grpc failure`), { code, details: "connect ECONNREFUSED" });
      expect(classifyEsdbError(raw)?.reason).toBe("unreachable");
    }
  });

  it("cluster discovery giving up is unreachable", () => {
    expect(classifyEsdbError(new Error("Failed to discover after 10 attempts."))?.reason).toBe("unreachable");
  });

  it("anything else stays what it is (conflicts, bugs, other gRPC codes)", () => {
    expect(classifyEsdbError(new Error("boom"))).toBeUndefined();
    expect(
      classifyEsdbError(Object.assign(new Error("3 INVALID_ARGUMENT"), { code: 3, details: "" })),
    ).toBeUndefined();
    expect(classifyEsdbError("not an error")).toBeUndefined();
  });
});
