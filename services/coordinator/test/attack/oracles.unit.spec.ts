import type { RecordedEvent } from "@mtc/eventstore";
import { describe, expect, it } from "vitest";
import { type FixtureCase, hostility, identitiesIn } from "./fixtures.js";
import { type Bookkeeping, type Failure, isRealInstant, judgeLog, readKey } from "./fuzzer.js";
import { HOSTILE_CHARACTERS, percentEncode } from "./hostile.js";

/** The judges of the attack suites must be able to fail: each is shown a case it must flag and one it must pass. */

const event = (
  streamId: string,
  revision: number,
  commandId: string,
  data: unknown,
  type = "ReferralRequested",
): RecordedEvent => ({
  id: `${streamId}-${revision}`,
  type,
  data,
  metadata: {
    actor: { userId: "clinic", role: "hospital_staff" },
    caseId: "CASE_1",
    causationId: commandId,
    commandId,
    occurredAt: "2026-11-24T08:00:00.000Z",
    schemaVersion: 1,
  },
  streamId,
  revision,
  position: revision,
  recordedAt: "2026-11-24T08:00:00.000Z",
});

const judged = (
  events: RecordedEvent[],
  acknowledged: { streamId: string; revision: number; events: number }[],
  bookkeeping: Bookkeeping = { reads: new Map(), refusedCommandIds: new Set() },
) => {
  const failures: Failure[] = [];
  judgeLog(events, { answers: acknowledged, commandIds: new Set() }, bookkeeping, new Map(), (f) =>
    failures.push(f),
  );
  return failures.map((f) => f.kind);
};

describe("attack suite judges", () => {
  it("every character of the hostile list is flagged; newline, CJK and astral characters are not", () => {
    for (const character of HOSTILE_CHARACTERS)
      expect(hostility(`李${character}医生`), JSON.stringify(character)).toBeDefined();
    expect(hostility("第一行\n第二行 𠀀 Zhang Wei")).toBeUndefined();
  });

  it("an event no 2xx answer accounts for is unexplained; an acknowledged one is not", () => {
    const events = [event("referral-R1", 0, "c1", { name: "王秀兰" }), event("referral-R2", 0, "c2", {})];
    expect(judged(events, [{ streamId: "referral-R1", revision: 0, events: 1 }])).toEqual([
      "unexplained-event",
    ]);
    expect(
      judged(events, [
        { streamId: "referral-R1", revision: 0, events: 1 },
        { streamId: "referral-R2", revision: 0, events: 1 },
      ]),
    ).toEqual([]);
  });

  it("access records beyond the reader's successful reads of that route are unexplained", () => {
    const route = "GET /api/cases/:id/timeline";
    const read = (revision: number) =>
      event("access-clinic", revision, `r${revision}`, { kind: "timeline", route }, "PatientDataRead");
    const reads = [read(0), read(1)];
    const answered = (clinic: number, other = 0) => ({
      reads: new Map([
        [readKey("clinic", "GET", "/api/cases/{id}/timeline"), clinic],
        [readKey("county", "GET", "/api/cases/{id}/timeline"), other],
      ]),
      refusedCommandIds: new Set<string>(),
    });
    expect(judged(reads, [], answered(1, 5))).toEqual(["unexplained-event"]);
    expect(judged(reads, [], answered(2))).toEqual([]);
    // An access record in someone else's stream, or of another type, is not an access record.
    expect(judged([event("access-county", 0, "r0", { route }, "PatientDataRead")], [], answered(2))).toEqual([
      "unexplained-event",
    ]);
  });

  it("a refusal is explained only by a 409 to its command; only signed heads are expected in integrity", () => {
    const refusal = event("refusal-c9", 0, "c9", {}, "CommandRefused");
    expect(judged([refusal], [])).toEqual(["unexplained-event"]);
    expect(judged([refusal], [], { reads: new Map(), refusedCommandIds: new Set(["c9"]) })).toEqual([]);
    expect(judged([event("integrity-heads", 0, "h1", {}, "IntegrityHeadSigned")], [])).toEqual([]);
    expect(judged([event("integrity-alarms", 0, "a1", {}, "IntegrityBreakDetected")], [])).toEqual([
      "unexplained-event",
    ]);
  });

  it("hostile text, an invalid ID-card number and an impossible instant in the log are flagged", () => {
    const stored = event("referral-R1", 0, "c1", {
      patient: { name: "王\u202e秀兰", idCardNumber: "110105194912310021" },
      acceptedAt: "2026-02-30T08:00:00.000Z",
    });
    expect(judged([stored], [{ streamId: "referral-R1", revision: 0, events: 1 }]).sort()).toEqual([
      "hostile-stored",
      "invalid-stored",
      "invalid-stored",
    ]);
    const ancient = event("transfer-T1", 0, "c1", { occurredAt: "0000-01-01T00:00:00.000Z" });
    expect(judged([ancient], [{ streamId: "transfer-T1", revision: 0, events: 1 }])).toEqual([
      "invalid-stored",
    ]);
  });

  it("a fixture identity is recognised by name, ID-card number or phone; a masked one is not", () => {
    const fixtureCase = {
      label: "A",
      identity: { name: "欧阳秀兰", idCardNumber: "510802199503121232", phone: "13700001101" },
    } as FixtureCase;
    expect(identitiesIn('{"name":"欧阳秀兰"}', [fixtureCase])).toHaveLength(1);
    expect(identitiesIn('{"phone":"13700001101"}', [fixtureCase])).toHaveLength(1);
    expect(
      identitiesIn('{"name":"欧***","idCardNumber":"510802********1232","phone":"137****1101"}', [
        fixtureCase,
      ]),
    ).toHaveLength(0);
  });

  it("real calendar instants pass; 30 February, hour 24 and a +24:00 offset do not", () => {
    expect(isRealInstant("2026-11-24T08:00:00.000Z")).toBe(true);
    expect(isRealInstant("2024-02-29T16:00:00+08:00")).toBe(true);
    expect(isRealInstant("0099-03-01T00:00:00Z")).toBe(true);
    for (const bad of [
      "2026-02-30T08:00:00Z",
      "2025-02-29T08:00:00Z",
      "2026-11-24T24:00:00Z",
      "2026-11-24T08:00:00+24:00",
      "now",
    ])
      expect(isRealInstant(bad), bad).toBe(false);
  });

  it("lone surrogates are percent-encoded as the bytes a hostile client sends", () => {
    expect(percentEncode("a\ud800")).toBe("a%ED%A0%80");
    expect(percentEncode("𠀀")).toBe(encodeURIComponent("𠀀"));
  });
});
