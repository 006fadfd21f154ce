import type { ReferenceData } from "@mtc/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiClient,
  boardClient,
  type Harness,
  institutionOfKind,
  startHarness,
  testClock,
} from "./harness.js";

/**
 * The journey of issue "Foundation and the core loop", end to end against the real service: real HTTP, a real
 * WebSocket client, a real SQLite file. A township clinic refers a bleeding red-grade woman at 34 weeks; the
 * rescue centre accepts; the dispatcher sees it live, dispatches a monitored ambulance and records the trip;
 * the centre records the handover; the auditor replays the case, as of a moment mid-transfer too.
 */
describe("core journey: referral → emergency transfer → handover → audit", () => {
  const clock = testClock("2026-11-24T01:50:00.000Z");
  let harness: Harness;
  let region: ReferenceData;

  beforeAll(async () => {
    harness = await startHarness(clock);
  });
  afterAll(async () => harness?.stop());

  it("000 §十二(十) R-TRF-8: every step is recorded, seen live, and replayable by the auditor", async () => {
    const base = harness.service.url;
    const clinic = await apiClient(base, "clinic");
    const centre = await apiClient(base, "centre");
    const dispatcher = await apiClient(base, "dispatcher");
    const auditor = await apiClient(base, "auditor");
    region = (await clinic.get("/api/reference")).body;
    const rescueCentre = institutionOfKind(region, "maternal_rescue_centre");
    expect(centre.institutionId).toBe(rescueCentre.id);

    const board = await boardClient(base, dispatcher.token);
    const snapshot = await board.next((m) => m.type === "snapshot");
    expect(snapshot.items).toEqual([]);

    // The clinic raises an emergency referral for a red-grade woman; the zone's rescue centre is suggested.
    const at = (minutes: number) => clock.advance(minutes);
    const requestedAt = at(1);
    const sentAt = Date.now();
    const referral = await clinic.command("/api/referrals", {
      patientKind: "maternal",
      patient: { name: "王秀兰", idCardNumber: "11010519491231002X", phone: "13812345678", age: 29 },
      gestationalWeeks: 34,
      riskGrade: "red",
      urgency: "emergency",
      reasons: ["产前出血", "前置胎盘"],
      clinicalSummary: "孕34周，阴道出血约400ml，血压90/60",
      fromInstitutionId: clinic.institutionId,
      requestedBy: "李医生",
      occurredAt: requestedAt,
    });
    expect(referral.status, JSON.stringify(referral.body)).toBe(201);
    const referralId = referral.body.id as string;
    // The service opened the case and named it: region code, year, six unambiguous characters.
    const caseId = referral.body.caseId as string;
    expect(caseId).toMatch(/^JC-\d{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$/);

    // The dispatcher sees it appear on the board over the WebSocket, identity masked.
    const appeared = await board.next((m) => m.type === "change" && m.itemId === `referral-${referralId}`);
    expect(Date.now() - sentAt).toBeLessThan(1_000);
    expect(appeared.item).toMatchObject({
      riskGrade: "red",
      destinationInstitutionId: rescueCentre.id,
      step: "requested",
      patient: { name: "王**" },
    });

    const accepted = await centre.command(`/api/referrals/${referralId}/accept`, {
      acceptedBy: "张主任",
      expectedArrivalAt: new Date(clock().getTime() + 90 * 60_000).toISOString(),
      occurredAt: at(2),
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);

    const transfer = await clinic.command("/api/transfers", {
      caseId,
      referralId,
      patientKind: "maternal",
      patient: { name: "王秀兰", idCardNumber: "11010519491231002X" },
      riskGrade: "red",
      originInstitutionId: clinic.institutionId,
      destinationInstitutionId: rescueCentre.id,
      veryCritical: true,
      clinicalSummary: "活动性出血，需监护型救护车",
      requestedBy: "李医生",
      occurredAt: at(1),
    });
    expect(transfer.status, JSON.stringify(transfer.body)).toBe(201);
    const transferId = transfer.body.id as string;
    const path = (step: string) => `/api/transfers/${transferId}/${step}`;

    const monitored = region.ambulances.find((a) => a.type === "monitored");
    expect(monitored).toBeDefined();
    const steps: [string, unknown][] = [
      ["dispatch", { ambulanceId: monitored?.id, dispatchedBy: "调度员赵", occurredAt: at(2) }],
      ["unit-arrived", { occurredAt: at(12) }],
      [
        "departure",
        {
          condition: {
            summary: "神志清，面色苍白，阴道持续少量出血",
            vitalSigns: { systolicBp: 92, diastolicBp: 58, heartRate: 112, spo2: 96, consciousness: "alert" },
          },
          escorts: ["李医生", "陈护士"],
          clinicalRecordHandedOver: true,
          occurredAt: at(8),
        },
      ],
      [
        "en-route-care",
        {
          kind: "treatment",
          description: "开放两路静脉通道，快速补液",
          performedBy: "陈护士",
          occurredAt: at(5),
        },
      ],
      [
        "en-route-care",
        {
          kind: "treatment",
          description: "缩宫素静滴",
          performedBy: "李医生",
          vitalSigns: { systolicBp: 98, heartRate: 104 },
          occurredAt: at(10),
        },
      ],
    ];
    for (const [step, body] of steps) {
      const answer = await dispatcher.command(path(step), body);
      expect(answer.status, `${step}: ${JSON.stringify(answer.body)}`).toBe(200);
    }
    const midTransfer = clock.iso();
    at(1);
    const arrival = await dispatcher.command(path("arrival"), { occurredAt: at(20) });
    expect(arrival.status, JSON.stringify(arrival.body)).toBe(200);
    const handover = await centre.command(path("handover"), {
      handedOverBy: "李医生",
      receivedBy: "张主任",
      condition: {
        summary: "出血减少，生命体征趋稳",
        vitalSigns: { systolicBp: 100, diastolicBp: 62, heartRate: 98 },
      },
      documents: ["转诊单", "病历摘要", "检验报告"],
      occurredAt: at(5),
    });
    expect(handover.status, JSON.stringify(handover.body)).toBe(200);
    const reception = await centre.command(`/api/referrals/${referralId}/reception`, {
      receivedBy: "张主任",
      handedOverBy: "李医生",
      occurredAt: at(1),
    });
    expect(reception.status, JSON.stringify(reception.body)).toBe(200);

    // The transfer leaves the board once handed over (closed items leave).
    await board.next((m) => m.type === "change" && m.itemId === `transfer-${transferId}` && m.item === null);

    // The auditor replays the case: everything in order, with both times, identities visible to the auditor.
    const timeline = await auditor.get(`/api/cases/${caseId}/timeline`);
    expect(timeline.status).toBe(200);
    const types = timeline.body.entries.map((e: { type: string }) => e.type);
    expect(types).toEqual([
      "ReferralRequested",
      "ReferralAccepted",
      "TransferRequested",
      "UnitDispatched",
      "UnitArrivedAtOrigin",
      "TransferDeparted",
      "PreArrivalAlertRaised",
      "EnRouteCareRecorded",
      "EnRouteCareRecorded",
      "TransferArrived",
      "HandoverCompleted",
      "PatientReceived",
    ]);
    for (const entry of timeline.body.entries) {
      expect(entry.occurredAt).toBeTruthy();
      expect(entry.recordedAt).toBeTruthy();
      expect(entry.actor.userId).toBeTruthy();
    }

    // As of mid-transfer: departed and treated en route, not yet arrived.
    const asOf = await auditor.get(`/api/cases/${caseId}/timeline?asOf=${encodeURIComponent(midTransfer)}`);
    expect(asOf.status).toBe(200);
    const asOfTypes = asOf.body.entries.map((e: { type: string }) => e.type);
    expect(asOfTypes).toContain("TransferDeparted");
    expect(asOfTypes).not.toContain("TransferArrived");
    const boardThen = await auditor.get(`/api/board?asOf=${encodeURIComponent(midTransfer)}`);
    expect(boardThen.status).toBe(200);
    const transferThen = boardThen.body.items.find((i: { id: string }) => i.id === `transfer-${transferId}`);
    expect(transferThen).toMatchObject({ step: "departed", enRouteCareCount: 2 });

    const record = await auditor.get(`/api/transfers/${transferId}/record`);
    expect(record.status).toBe(200);
    expect(record.body.items).toEqual({
      departureTime: "present",
      conditionAtDeparture: "present",
      enRouteTreatment: "present",
      reception: "present",
      conditionHandover: "present",
    });
    expect(record.body.complete).toBe(true);

    // Every read of the case's patient data is itself recorded (issue 8 finding 6).
    const reads = await auditor.get(`/api/cases/${caseId}/timeline-reads`);
    expect(reads.body.reads.map((r: { userId: string; kind: string }) => `${r.userId} ${r.kind}`)).toEqual([
      "auditor timeline",
      "auditor timeline",
      "auditor board",
      "auditor transfer_record",
    ]);
    board.close();
  });
});
