import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import {
  type ApiClient,
  apiClient,
  type BoardMessage,
  boardClient,
  type Harness,
  startHarness,
  testClock,
} from "./harness.js";

const CENTRE = "jc_mch_rescue_centre";

/** The fields of a `/ws/arrivals` item these tests read. */
interface AlertItem {
  patient: { name: string; idCardNumber?: string };
  riskGrade: string;
  destinationInstitutionId: string;
  conditionAtDeparture: { vitalSigns: Record<string, number> };
  enRouteCare: unknown[];
  alert: { asks: string[]; acknowledgedAt: string | null; cause: string };
}
const OTHER_CENTRE = "jc_first_hospital_rescue_centre";
const ACK_MINUTES = 7;

/**
 * The pre-arrival alert (issue 9 §1) against the real service: real HTTP, real SQLite, real WebSocket clients of
 * `/ws/arrivals`; the ack alarm runs on the injected clock.
 */
describe("pre-arrival alert", () => {
  const clock = testClock("2026-11-24T10:00:00.000Z");
  let harness: Harness;
  let county: ApiClient;
  let centre: ApiClient;
  let clinic: ApiClient;
  let dispatcher: ApiClient;
  let medaffairs: ApiClient;
  let bloodstation: ApiClient;
  const arrivalsFeed = (client: ApiClient) =>
    boardClient(harness.service.url, client.token, undefined, "/ws/arrivals");

  beforeAll(async () => {
    harness = await startHarness(clock, {
      ALARM_PRE_ARRIVAL_UNACKNOWLEDGED_MIN: String(ACK_MINUTES),
      ALARM_TICK_SECONDS: "1",
    });
    const url = harness.service.url;
    county = await apiClient(url, "county");
    centre = await apiClient(url, "centre");
    clinic = await apiClient(url, "clinic");
    dispatcher = await apiClient(url, "dispatcher");
    medaffairs = await apiClient(url, "medaffairs");
    bloodstation = await apiClient(url, "bloodstation");
  });
  afterAll(async () => harness?.stop());

  /** A red transfer from the county MCH, dispatched and ready to depart. */
  const dispatchedTransfer = async (destinationInstitutionId = CENTRE, riskGrade = "red") => {
    const created = await county.command("/api/transfers", {
      patientKind: "maternal",
      patient: { name: "刘芳", idCardNumber: "11010519491231002X" },
      riskGrade,
      originInstitutionId: county.institutionId,
      destinationInstitutionId,
      veryCritical: true,
      clinicalSummary: "产后出血约1200ml",
      requestedBy: "周医生",
      occurredAt: clock.iso(),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    clock.advance(1);
    const sent = await dispatcher.command(`/api/transfers/${id}/dispatch`, {
      // One unit carries every transfer of this file: the fleet rule (R-TRF-9) is overridden with a reason.
      ambulanceId: "amb_m01",
      overrideReason: "测试：同一车辆连续派出",
      dispatchedBy: "调度员赵",
      occurredAt: clock.iso(),
    });
    expect(sent.status).toBe(200);
    clock.advance(1);
    return { id, caseId: created.body.caseId as string };
  };

  const depart = (id: string, extra: Record<string, unknown> = {}) =>
    dispatcher.command(`/api/transfers/${id}/departure`, {
      condition: { summary: "面色苍白，持续出血", vitalSigns: { systolicBp: 86, heartRate: 124 } },
      escorts: ["护士钱"],
      clinicalRecordHandedOver: true,
      expectedArrivalAt: new Date(clock().getTime() + 40 * 60_000).toISOString(),
      readiness: { asks: ["theatre", "blood", "specialists"], note: "备O型RhD阳性红细胞4U、血浆400mL" },
      occurredAt: clock.iso(),
      ...extra,
    });

  const alertOf = (id: string) => (m: BoardMessage) => m.type === "change" && m.itemId === `transfer-${id}`;

  it("R-TRF-7: the receiving hospital gets the alert live on departure; a foreign hospital does not", async () => {
    const { id, caseId } = await dispatchedTransfer();
    const centreFeed = await arrivalsFeed(centre);
    const clinicFeed = await arrivalsFeed(clinic);
    const countyFeed = await arrivalsFeed(county);
    const bloodFeed = await arrivalsFeed(bloodstation);
    await Promise.all(
      [centreFeed, clinicFeed, countyFeed, bloodFeed].map((f) => f.next((m) => m.type === "snapshot")),
    );

    const departed = await depart(id);
    expect(departed.status).toBe(200);
    expect(departed.body.events).toEqual(["TransferDeparted", "PreArrivalAlertRaised"]);

    const live = await centreFeed.next(alertOf(id));
    const item = live.item as unknown as AlertItem;
    expect(live.position).toBe(departed.body.position);
    expect(item.patient.name).toBe("刘芳");
    expect(item.riskGrade).toBe("red");
    expect(item.conditionAtDeparture.vitalSigns).toEqual({ systolicBp: 86, heartRate: 124 });
    expect(item.alert.asks).toEqual(["theatre", "blood", "specialists"]);
    expect(item.alert.acknowledgedAt).toBeNull();
    // The blood station sees it, because blood is asked for, without her identity.
    const blood = (await bloodFeed.next(alertOf(id))).item as unknown as AlertItem;
    expect(blood.patient.name).not.toBe("刘芳");
    expect(blood.patient.idCardNumber).not.toContain("1231002");

    // En-route care reaches the destination too; the sender (county) and a stranger (clinic) hear nothing.
    clock.advance(2);
    const care = await dispatcher.command(`/api/transfers/${id}/en-route-care`, {
      kind: "treatment",
      description: "开放两路静脉通道，缩宫素静滴",
      performedBy: "护士钱",
      occurredAt: clock.iso(),
    });
    expect(care.status).toBe(200);
    const withCare = await centreFeed.next((m) => alertOf(id)(m) && m.position === care.body.position);
    expect((withCare.item as unknown as AlertItem).enRouteCare).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(clinicFeed.messages.filter((m) => m.type === "change")).toEqual([]);
    expect(countyFeed.messages.filter((m) => m.type === "change")).toEqual([]);

    // The live alert named her, so it was recorded before it went out; then the incoming list over HTTP, and
    // its access record (the answer names her).
    const list = await centre.get("/api/arrivals");
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { transferId: string }) => a.transferId)).toContain(id);
    const reads = await (await apiClient(harness.service.url, "auditor")).get(
      `/api/cases/${caseId}/timeline-reads`,
    );
    expect(reads.body.reads.map((r: { kind: string }) => r.kind)).toEqual(["arrivals_feed", "arrivals"]);
    // A feed opened now starts with a snapshot that names her: recorded before the connection opens.
    const later = await arrivalsFeed(centre);
    const snapshot = await later.next((m) => m.type === "snapshot");
    expect(snapshot.items?.map((i) => i.id)).toContain(`transfer-${id}`);
    later.close();
    const readsAfter = await (await apiClient(harness.service.url, "auditor")).get(
      `/api/cases/${caseId}/timeline-reads`,
    );
    expect(readsAfter.body.reads.map((r: { kind: string }) => r.kind)).toContain("arrivals_feed");
    expect((await clinic.get("/api/arrivals")).body.items).toEqual([]);
    expect((await clinic.get(`/api/arrivals/${id}`)).status).toBe(404);
    for (const f of [centreFeed, clinicFeed, countyFeed, bloodFeed]) f.close();
  });

  it("R-TRF-7: the destination acknowledges with a name; the ETA is updated; 400/403/404/409 as the rest", async () => {
    const { id } = await dispatchedTransfer();
    expect((await depart(id)).status).toBe(200);
    clock.advance(1);
    const ack = { acknowledgedBy: "张主任", occurredAt: clock.iso() };

    // Bad input: 400 naming the field, nothing written.
    const bad = await centre.command(`/api/transfers/${id}/pre-arrival-acknowledgement`, {
      acknowledgedBy: "\u0000",
      occurredAt: "yesterday",
    });
    expect(bad.status).toBe(400);
    expect([...new Set(bad.body.errors.map((e: { path: string }) => e.path))].sort()).toEqual([
      "body.acknowledgedBy",
      "body.occurredAt",
    ]);
    expect(bad.body.errors.every((e: { message: string }) => e.message.length > 5)).toBe(true);
    const twice = await dispatcher.raw(
      "POST",
      `/api/transfers/${id}/eta`,
      { expectedArrivalAt: "2026-13-01T00:00:00Z", updatedBy: "调度员赵", occurredAt: clock.iso() },
      { "idempotency-key": `eta-${id}-bad`, "accept-language": "zh-CN" },
    );
    expect(twice.status).toBe(400);
    expect([...new Set(twice.body.errors.map((e: { path: string }) => e.path))]).toEqual([
      "body.expectedArrivalAt",
    ]);
    const duplicate = await dispatcher.raw(
      "POST",
      `/api/transfers/${id}/departure`,
      {
        condition: { summary: "出血", vitalSigns: {} },
        escorts: ["护士钱"],
        clinicalRecordHandedOver: true,
        readiness: { asks: ["blood", "blood"] },
        occurredAt: clock.iso(),
      },
      { "idempotency-key": `dep-${id}-dup`, "accept-language": "zh-CN" },
    );
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.errors).toEqual([
      expect.objectContaining({ path: "body.readiness.asks", message: "同一项不能重复" }),
    ]);
    // A foreign hospital: the 404 of an unknown transfer. The sender may not acknowledge (403).
    const foreign = await clinic.command(`/api/transfers/${id}/pre-arrival-acknowledgement`, ack);
    const unknown = await centre.command("/api/transfers/Tnosuchtransfer/pre-arrival-acknowledgement", ack);
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(foreign.body.title).toBe(unknown.body.title);
    expect((await county.command(`/api/transfers/${id}/pre-arrival-acknowledgement`, ack)).status).toBe(403);

    const done = await medaffairs.command(`/api/transfers/${id}/pre-arrival-acknowledgement`, ack);
    expect(done.status).toBe(200);
    expect(done.body.events).toEqual(["PreArrivalAlertAcknowledged"]);
    const again = await centre.command(`/api/transfers/${id}/pre-arrival-acknowledgement`, ack);
    expect(again.status).toBe(409);
    expect(again.body.rule).toBe("R-TRF-7");

    const eta = new Date(clock().getTime() + 25 * 60_000).toISOString();
    const updated = await dispatcher.command(`/api/transfers/${id}/eta`, {
      expectedArrivalAt: eta,
      updatedBy: "调度员赵",
      occurredAt: clock.iso(),
    });
    expect(updated.status).toBe(200);
    const alert = (await centre.get(`/api/arrivals/${id}`)).body;
    expect(alert.alert).toMatchObject({
      acknowledgedBy: "张主任",
      expectedArrivalAt: eta,
      etaUpdatedBy: "调度员赵",
    });
    expect(
      (
        await centre.command(`/api/transfers/${id}/eta`, {
          expectedArrivalAt: eta,
          updatedBy: "张",
          occurredAt: clock.iso(),
        })
      ).status,
    ).toBe(403);
  });

  it(`R-TRF-7: an unacknowledged red alert raises the board alarm after ${ACK_MINUTES} minutes (injected clock)`, async () => {
    const { id } = await dispatchedTransfer();
    expect((await depart(id)).status).toBe(200);
    const alarmsOf = async () => {
      const board = await dispatcher.get("/api/board");
      const item = board.body.items.find((i: { id: string }) => i.id === `transfer-${id}`);
      return item.alarms.map((a: { kind: string }) => a.kind) as string[];
    };
    clock.advance(ACK_MINUTES - 1);
    expect(await alarmsOf()).toEqual([]);
    const centreFeed = await arrivalsFeed(centre);
    await centreFeed.next((m) => m.type === "snapshot");
    clock.advance(1);
    expect(await alarmsOf()).toEqual(["pre_arrival_unacknowledged"]);
    // The hospital feed pushes the alarm when time alone raises it.
    const alarmed = await centreFeed.next(
      (m) => alertOf(id)(m) && ((m.item as { alarms?: unknown[] } | null)?.alarms?.length ?? 0) > 0,
    );
    expect((alarmed.item as { alarms: { kind: string }[] }).alarms[0]?.kind).toBe(
      "pre_arrival_unacknowledged",
    );
    centreFeed.close();
    const acked = await centre.command(`/api/transfers/${id}/pre-arrival-acknowledgement`, {
      acknowledgedBy: "张主任",
      occurredAt: clock.iso(),
    });
    expect(acked.status).toBe(200);
    expect(await alarmsOf()).toEqual([]);
  });

  it("R-TRF-7: a yellow woman's unacknowledged alert raises no alarm", async () => {
    const { id } = await dispatchedTransfer(CENTRE, "yellow");
    expect((await depart(id)).status).toBe(200);
    clock.advance(ACK_MINUTES * 3);
    const board = await dispatcher.get("/api/board");
    expect(board.body.items.find((i: { id: string }) => i.id === `transfer-${id}`).alarms).toEqual([]);
  });

  it("000 §十二(八) R-TRF-7: a diversion en route re-targets the alert to the new destination", async () => {
    const { id } = await dispatchedTransfer(OTHER_CENTRE);
    expect((await depart(id)).status).toBe(200);
    expect((await centre.get(`/api/arrivals/${id}`)).status).toBe(404);
    const centreFeed = await arrivalsFeed(centre);
    await centreFeed.next((m) => m.type === "snapshot");
    clock.advance(3);
    const diverted = await dispatcher.command(`/api/transfers/${id}/divert`, {
      toInstitutionId: CENTRE,
      reason: "第一医院手术室满",
      divertedBy: "调度员赵",
      occurredAt: clock.iso(),
    });
    expect(diverted.status).toBe(200);
    expect(diverted.body.events).toEqual(["TransferDiverted", "PreArrivalAlertRaised"]);
    const live = (await centreFeed.next(alertOf(id))).item as unknown as AlertItem;
    expect(live.destinationInstitutionId).toBe(CENTRE);
    expect(live.alert).toMatchObject({
      cause: "diversion",
      acknowledgedAt: null,
      asks: ["theatre", "blood", "specialists"],
    });
    centreFeed.close();
  });

  it("the hospital feed refuses an upgrade without a valid token (401)", async () => {
    const socket = new WebSocket(`${harness.service.url.replace("http", "ws")}/ws/arrivals`, [
      "mtc.board.v1",
    ]);
    const status = await new Promise<number>((resolve) => {
      socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      socket.on("open", () => resolve(101));
      socket.on("error", () => {});
    });
    expect(status).toBe(401);
  });
});
