import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ApiClient,
  apiClient,
  type Harness,
  startHarness,
  testClock,
  writtenEvents,
} from "./harness.js";

/**
 * Issue 8 finding 4: hostile text never reaches the permanent record. Every text field of every command gets
 * hostile input; each answer is a 400 naming that field and the problem, and the log does not grow.
 */
describe("text hygiene at the edge", () => {
  const clock = testClock("2026-11-24T08:00:00.000Z");
  let harness: Harness;
  let clinic: ApiClient;

  const HOSTILE = [
    { value: "王\u0000芳", code: "text_control_character", shows: "U+0000" },
    { value: "王\u0085芳", code: "text_control_character", shows: "U+0085" },
    { value: "王\ud800芳", code: "text_lone_surrogate", shows: "U+D800" },
    { value: "王\u202e芳", code: "text_invisible_character", shows: "U+202E" },
    { value: "王\u200b芳", code: "text_invisible_character", shows: "U+200B" },
    { value: "\ufeff王芳", code: "text_invisible_character", shows: "U+FEFF" },
    { value: " \u3000 ", code: "text_empty", shows: "" },
  ] as const;

  const now = () => clock.iso();
  const condition = (summary: string) => ({ summary, vitalSigns: { systolicBp: 120 } });
  /** Each command, a valid body, and the paths of its text fields (array entries as `field.0`). */
  const COMMANDS: {
    url: string;
    body: (at: string, text: string) => Record<string, unknown>;
    fields: string[];
  }[] = [
    {
      url: "/api/referrals",
      body: (at, t) => ({
        patientKind: "maternal",
        patient: { name: at === "patient.name" ? t : "刘芳" },
        riskGrade: "orange",
        urgency: "urgent",
        reasons: [at === "reasons.0" ? t : "高血压"],
        clinicalSummary: at === "clinicalSummary" ? t : "血压高",
        fromInstitutionId: clinic.institutionId,
        requestedBy: at === "requestedBy" ? t : "周医生",
        occurredAt: now(),
      }),
      fields: ["patient.name", "reasons.0", "clinicalSummary", "requestedBy"],
    },
    {
      url: "/api/referrals/off-protocol-arrivals",
      body: (at, t) => ({
        patientKind: "maternal",
        patient: { name: at === "patient.name" ? t : "刘芳" },
        riskGrade: "orange",
        institutionId: clinic.institutionId,
        clinicalSummary: at === "clinicalSummary" ? t : "自行来院",
        receivedBy: at === "receivedBy" ? t : "张医生",
        handedOverBy: at === "handedOverBy" ? t : "家属",
        occurredAt: now(),
      }),
      fields: ["patient.name", "clinicalSummary", "receivedBy", "handedOverBy"],
    },
    {
      url: "/api/referrals/R1/accept",
      body: (_, t) => ({ acceptedBy: t, occurredAt: now() }),
      fields: ["acceptedBy"],
    },
    {
      url: "/api/referrals/R1/decline",
      body: (at, t) => ({
        declinedBy: at === "declinedBy" ? t : "张医生",
        reason: at === "reason" ? t : "无床位",
        escalate: { difficulty: at === "escalate.difficulty" ? t : "无床" },
        occurredAt: now(),
      }),
      fields: ["declinedBy", "reason", "escalate.difficulty"],
    },
    {
      url: "/api/referrals/R1/redirect",
      body: (at, t) => ({
        toInstitutionId: "qc_mch",
        reason: at === "reason" ? t : "转他院",
        redirectedBy: at === "redirectedBy" ? t : "张医生",
        occurredAt: now(),
      }),
      fields: ["reason", "redirectedBy"],
    },
    {
      url: "/api/referrals/R1/escalate",
      body: (at, t) => ({
        escalatedBy: at === "escalatedBy" ? t : "张医生",
        difficulty: at === "difficulty" ? t : "无床",
        occurredAt: now(),
      }),
      fields: ["escalatedBy", "difficulty"],
    },
    {
      url: "/api/referrals/R1/reception",
      body: (at, t) => ({
        receivedBy: at === "receivedBy" ? t : "张医生",
        handedOverBy: at === "handedOverBy" ? t : "李医生",
        occurredAt: now(),
      }),
      fields: ["receivedBy", "handedOverBy"],
    },
    {
      url: "/api/referrals/R1/cancel",
      body: (at, t) => ({
        cancelledBy: at === "cancelledBy" ? t : "张医生",
        reason: at === "reason" ? t : "误报",
        occurredAt: now(),
      }),
      fields: ["cancelledBy", "reason"],
    },
    {
      url: "/api/referrals/R1/complete",
      body: (_, t) => ({ outcome: "other", notes: t, occurredAt: now() }),
      fields: ["notes"],
    },
    {
      url: "/api/transfers",
      body: (at, t) => ({
        patientKind: "maternal",
        patient: { name: at === "patient.name" ? t : "刘芳" },
        riskGrade: "orange",
        originInstitutionId: clinic.institutionId,
        destinationInstitutionId: "qc_mch",
        veryCritical: false,
        clinicalSummary: at === "clinicalSummary" ? t : "需转运",
        requestedBy: at === "requestedBy" ? t : "周医生",
        occurredAt: now(),
      }),
      fields: ["patient.name", "clinicalSummary", "requestedBy"],
    },
    {
      url: "/api/transfers/T1/dispatch",
      body: (at, t) => ({
        ambulanceId: "amb_m01",
        dispatchedBy: at === "dispatchedBy" ? t : "调度员",
        overrideReason: at === "overrideReason" ? t : "无监护车",
        occurredAt: now(),
      }),
      fields: ["dispatchedBy", "overrideReason"],
    },
    {
      url: "/api/transfers/T1/departure",
      body: (at, t) => ({
        condition: condition(at === "condition.summary" ? t : "平稳"),
        escorts: [at === "escorts.0" ? t : "李医生"],
        clinicalRecordHandedOver: true,
        occurredAt: now(),
      }),
      fields: ["condition.summary", "escorts.0"],
    },
    {
      url: "/api/transfers/T1/en-route-care",
      body: (at, t) => ({
        kind: "treatment",
        description: at === "description" ? t : "补液",
        performedBy: at === "performedBy" ? t : "李医生",
        occurredAt: now(),
      }),
      fields: ["description", "performedBy"],
    },
    {
      url: "/api/transfers/T1/remote-guidance",
      body: (at, t) => ({
        expert: at === "expert" ? t : "王主任",
        channel: "video",
        advice: at === "advice" ? t : "加快补液",
        occurredAt: now(),
      }),
      fields: ["expert", "advice"],
    },
    {
      url: "/api/transfers/T1/handover",
      body: (at, t) => ({
        handedOverBy: at === "handedOverBy" ? t : "李医生",
        receivedBy: at === "receivedBy" ? t : "张主任",
        condition: condition(at === "condition.summary" ? t : "平稳"),
        documents: [at === "documents.0" ? t : "转诊单"],
        occurredAt: now(),
      }),
      fields: ["handedOverBy", "receivedBy", "condition.summary", "documents.0"],
    },
    {
      url: "/api/transfers/T1/divert",
      body: (at, t) => ({
        toInstitutionId: "qc_mch",
        reason: at === "reason" ? t : "改道",
        divertedBy: at === "divertedBy" ? t : "调度员",
        occurredAt: now(),
      }),
      fields: ["reason", "divertedBy"],
    },
    {
      url: "/api/transfers/T1/cancel",
      body: (at, t) => ({
        cancelledBy: at === "cancelledBy" ? t : "调度员",
        reason: at === "reason" ? t : "误报",
        occurredAt: now(),
      }),
      fields: ["cancelledBy", "reason"],
    },
  ];

  const eventCount = async () => (await writtenEvents(harness.service)).length;

  beforeAll(async () => {
    harness = await startHarness(clock);
    clinic = await apiClient(harness.service.url, "clinic");
  });
  afterAll(async () => harness?.stop());

  it("every hostile class in every text field of every command is a 400 naming the field; nothing is written", async () => {
    const before = await eventCount();
    let sent = 0;
    for (const command of COMMANDS) {
      for (const field of command.fields) {
        for (const hostile of HOSTILE) {
          const answer = await clinic.raw("POST", command.url, command.body(field, hostile.value), {
            "content-type": "application/json",
            "idempotency-key": `hostile-${++sent}`,
            "accept-language": "en",
          });
          const where = `${command.url} ${field} ${JSON.stringify(hostile.value)}`;
          expect(answer.status, where).toBe(400);
          const error = answer.body.errors.find((e: { path: string }) => e.path === `body.${field}`);
          expect(error, `${where}: ${JSON.stringify(answer.body)}`).toBeDefined();
          expect(error.code, where).toBe(hostile.code);
          expect(answer.body.detail, where).toContain(`body.${field}: `);
          expect(answer.body.detail, where).toContain(hostile.shows);
        }
      }
    }
    expect(sent).toBeGreaterThan(200);
    expect(await eventCount()).toBe(before);
  });

  it("the 400 says what is wrong in words, in Chinese by default and in English on request", async () => {
    const body = COMMANDS[0]?.body("patient.name", "王\u202e芳") ?? {};
    const zh = await clinic.command("/api/referrals", body);
    expect(zh.status).toBe(400);
    expect(zh.body.detail).toBe("body.patient.name: 含有不可见字符或控制字符（U+202E）");
    expect(zh.body.errors).toEqual([
      {
        path: "body.patient.name",
        code: "text_invisible_character",
        message: "含有不可见字符或控制字符（U+202E）",
      },
    ]);
    const en = await clinic.raw("POST", "/api/referrals", body, {
      "content-type": "application/json",
      "idempotency-key": "hostile-english-1",
      "accept-language": "en-GB,en;q=0.9,zh;q=0.5",
    });
    expect(en.body.detail).toBe("body.patient.name: contains an invisible or control character (U+202E)");
    const zhPreferred = await clinic.raw("POST", "/api/referrals", body, {
      "content-type": "application/json",
      "idempotency-key": "hostile-chinese-1",
      "accept-language": "en;q=0.4,zh-CN",
    });
    expect(zhPreferred.body.errors[0].message).toBe("含有不可见字符或控制字符（U+202E）");
  });

  it("other problems are named in words too: missing, unknown field, bad id, impossible date, ID card, enum", async () => {
    const valid = COMMANDS[0]?.body("", "") ?? {};
    const { requestedBy: _dropped, ...withoutRequester } = valid;
    const answer = await clinic.raw(
      "POST",
      "/api/referrals",
      {
        ...withoutRequester,
        favouriteColour: "blue",
        toInstitutionId: "-bad",
        occurredAt: "2026-02-30T08:00:00+08:00",
        riskGrade: "blue",
        patient: { name: "刘芳", idCardNumber: "990524198001010010" },
      },
      { "content-type": "application/json", "idempotency-key": "many-problems-1", "accept-language": "en" },
    );
    expect(answer.status).toBe(400);
    const byPath = new Map<string, { code: string; message: string }>(
      answer.body.errors.map((e: { path: string; code: string; message: string }) => [e.path, e]),
    );
    expect(byPath.get("body.requestedBy")).toMatchObject({ code: "required", message: "is required" });
    expect(byPath.get("body.favouriteColour")?.code).toBe("unknown_field");
    expect(byPath.get("body.toInstitutionId")?.code).toBe("invalid_id");
    expect(byPath.get("body.occurredAt")?.code).toBe("invalid_instant");
    expect(byPath.get("body.riskGrade")?.code).toBe("not_one_of");
    expect(byPath.get("body.patient.idCardNumber")?.code).toBe("id_card_number");
    expect(answer.body.detail).not.toContain("does not match the schema");
  });

  it("accepted text is stored in NFC without surrounding whitespace", async () => {
    const body = { ...(COMMANDS[0]?.body("", "") ?? {}), patient: { name: " Zoe\u0301 " } };
    const answer = await clinic.command("/api/referrals", body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const stored = await harness.service.store.readAll({ maxCount: 10_000, categories: ["referral"] });
    const data = stored.at(-1)?.data as { patient: { name: string } };
    expect(data.patient.name).toBe("Zoé");
  });
});
