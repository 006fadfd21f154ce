import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, boardClient, type Harness, startHarness, testClock } from "./harness.js";

/** Emergency blood request over real HTTP and SQLite (issue 9 §3, 000 §二十二, R-BLD-1…3). */
describe("emergency blood request", () => {
  const clock = testClock("2026-11-24T09:00:00.000Z");
  let harness: Harness;
  let county: ApiClient;
  let centre: ApiClient;
  let clinic: ApiClient;
  let station: ApiClient;
  let auditor: ApiClient;
  let caseId = "";
  let transferId = "";

  const bloodRequest = (extra: Record<string, unknown> = {}) => ({
    caseId,
    transferId,
    requestingInstitutionId: "jc_mch_rescue_centre",
    phase: "postpartum",
    indication: "postpartum_haemorrhage",
    bloodGroup: { abo: "O", rhD: "positive" },
    products: [
      { product: "red_cells", unit: "U", quantity: 4 },
      { product: "plasma", unit: "mL", quantity: 400 },
    ],
    urgency: "emergency",
    destination: { institutionId: "jc_mch_rescue_centre", place: "产房2号手术间" },
    requestedBy: "张主任",
    occurredAt: clock.iso(),
    ...extra,
  });

  beforeAll(async () => {
    harness = await startHarness(clock);
    const url = harness.service.url;
    county = await apiClient(url, "county");
    centre = await apiClient(url, "centre");
    clinic = await apiClient(url, "clinic");
    station = await apiClient(url, "bloodstation");
    auditor = await apiClient(url, "auditor");
    const transfer = await county.command("/api/transfers", {
      patientKind: "maternal",
      patient: { name: "王秀兰" },
      riskGrade: "red",
      originInstitutionId: "qc_mch",
      destinationInstitutionId: "jc_mch_rescue_centre",
      veryCritical: true,
      clinicalSummary: "产后出血",
      requestedBy: "李医生",
      occurredAt: clock.iso(),
    });
    expect(transfer.status).toBe(201);
    caseId = transfer.body.caseId;
    transferId = transfer.body.id;
  });
  afterAll(async () => harness?.stop());

  let bloodId = "";

  it("R-BLD-1 the receiving hospital requests 4 U red cells and 400 mL plasma; the station's queue shows it first", async () => {
    clock.advance(1);
    const answer = await centre.command("/api/blood-requests", bloodRequest());
    expect(answer.status).toBe(201);
    expect(answer.body.id).toMatch(/^B[A-Za-z0-9]{14}$/);
    expect(answer.body.caseId).toBe(caseId);
    bloodId = answer.body.id;
    const queue = await station.get("/api/blood-requests/queue");
    expect(queue.status).toBe(200);
    expect(queue.body.items[0]).toMatchObject({
      bloodRequestId: bloodId,
      progress: "requested",
      urgency: "emergency",
      bloodStationId: "jc_blood_station",
      alarms: [],
    });
  });

  it("R-BLD-1 bad input answers 400 naming the field and writes nothing", async () => {
    const wrongUnit = await centre.command(
      "/api/blood-requests",
      bloodRequest({ products: [{ product: "red_cells", unit: "mL", quantity: 400 }] }),
    );
    expect(wrongUnit.status).toBe(400);
    expect(JSON.stringify(wrongUnit.body.errors)).toContain("products");
    const oddPlasma = await centre.command(
      "/api/blood-requests",
      bloodRequest({ products: [{ product: "plasma", unit: "mL", quantity: 410 }] }),
    );
    expect(oddPlasma.status).toBe(400);
    expect(oddPlasma.body.errors).toContainEqual(
      expect.objectContaining({
        path: "body.products.0.quantity",
        code: "plasma_50_ml_steps",
        message: "血浆按 50 mL 的整数倍申请和发放",
      }),
    );
    expect(wrongUnit.body.errors).toContainEqual(
      expect.objectContaining({ path: "body.products.0.unit", message: "只能是以下之一：U" }),
    );
    const queue = await station.get("/api/blood-requests/queue");
    expect(queue.body.items.filter((i: { caseId: string }) => i.caseId === caseId)).toHaveLength(1);
  });

  it("R-BLD-3 a hospital without an emergency blood plan is refused with the rule", async () => {
    const referral = await clinic.command("/api/referrals", {
      patientKind: "maternal",
      patient: { name: "赵小梅" },
      riskGrade: "orange",
      urgency: "urgent",
      reasons: ["前置胎盘"],
      clinicalSummary: "孕35周",
      fromInstitutionId: "qc_shiqiao_thc",
      requestedBy: "林医生",
      occurredAt: clock.iso(),
    });
    expect(referral.status).toBe(201);
    const refused = await clinic.command(
      "/api/blood-requests",
      bloodRequest({
        caseId: referral.body.caseId,
        transferId: undefined,
        requestingInstitutionId: "qc_shiqiao_thc",
        destination: { institutionId: "qc_shiqiao_thc", place: "产房" },
      }),
    );
    expect(refused.status).toBe(409);
    expect(JSON.stringify(refused.body)).toContain("R-BLD-3");
  });

  it("R-BLD-1 a foreign case or a transfer of another case answers 404, as an unknown one", async () => {
    const foreign = await county.command(
      "/api/blood-requests",
      bloodRequest({ requestingInstitutionId: "qc_mch", caseId: "JC-2026-NOSUCH" }),
    );
    expect(foreign.status).toBe(404);
    const otherTransfer = await centre.command(
      "/api/blood-requests",
      bloodRequest({ transferId: "TNoSuchTransfer1" }),
    );
    expect(otherTransfer.status).toBe(404);
  });

  it("R-BLD-2 the wrong order is 409 with the rule; the wrong party 403; a foreign institution 404", async () => {
    const early = await station.command(`/api/blood-requests/${bloodId}/issue`, {
      items: [{ product: "red_cells", unit: "U", quantity: 4, group: { abo: "O", rhD: "positive" } }],
      issuedBy: "发血员刘",
      occurredAt: clock.iso(),
    });
    expect(early.status).toBe(409);
    expect(JSON.stringify(early.body)).toContain("R-BLD-2");
    const hospitalAck = await centre.command(`/api/blood-requests/${bloodId}/acknowledge`, {
      acknowledgedBy: "张主任",
      occurredAt: clock.iso(),
    });
    expect(hospitalAck.status).toBe(403);
    const foreignCancel = await county.command(`/api/blood-requests/${bloodId}/cancel`, {
      reason: "试探",
      cancelledBy: "李医生",
      occurredAt: clock.iso(),
    });
    const unknownCancel = await county.command("/api/blood-requests/BNoSuchRequest01/cancel", {
      reason: "试探",
      cancelledBy: "李医生",
      occurredAt: clock.iso(),
    });
    expect(foreignCancel.status).toBe(404);
    expect(unknownCancel.status).toBe(404);
    expect((await county.get(`/api/blood-requests/${bloodId}`)).status).toBe(404);
    const noStation = await auditor.get("/api/blood-requests/queue");
    expect(noStation.status).toBe(400);
    expect(noStation.body.errors[0].path).toBe("querystring.stationId");
    const stationQueue = await auditor.get("/api/blood-requests/queue?stationId=jc_blood_station");
    expect(stationQueue.body.items.map((i: { bloodRequestId: string }) => i.bloodRequestId)).toContain(
      bloodId,
    );
    expect((await centre.get("/api/blood-requests/queue")).status).toBe(403);
    const own = await centre.get("/api/blood-requests");
    expect(own.body.items.map((i: { bloodRequestId: string }) => i.bloodRequestId)).toEqual([bloodId]);
    expect((await county.get("/api/blood-requests")).body.items).toEqual([]);
    expect((await auditor.get("/api/blood-requests")).status).toBe(400);
    expect(
      (
        await auditor.command(`/api/blood-requests/${bloodId}/cancel`, {
          reason: "x",
          cancelledBy: "审计",
          occurredAt: clock.iso(),
        })
      ).status,
    ).toBe(403);
  });

  it("R-BLD-2 acknowledge → issue → pack → hand over → delivered at 4 °C and −25 °C, with times against targets", async () => {
    const step = async (who: ApiClient, path: string, body: Record<string, unknown>) => {
      clock.advance(3);
      const answer = await who.command(`/api/blood-requests/${bloodId}/${path}`, {
        ...body,
        occurredAt: clock.iso(),
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer;
    };
    await step(station, "acknowledge", { acknowledgedBy: "值班员王" });
    await step(station, "prepare", { preparedBy: "发血员刘" });
    await step(station, "issue", {
      items: [
        { product: "red_cells", unit: "U", quantity: 4, group: { abo: "O", rhD: "positive" } },
        { product: "plasma", unit: "mL", quantity: 400, group: { abo: "O", rhD: "positive" } },
      ],
      issuedBy: "发血员刘",
    });
    await step(station, "pack", { packedBy: "发血员刘" });
    await step(station, "hand-over", {
      transport: "station_delivery",
      vehicle: "血站送血车 川A1234",
      carriedBy: "司机陈",
      handedOverBy: "发血员刘",
    });
    clock.advance(1);
    const warm = await centre.command(`/api/blood-requests/${bloodId}/delivered`, {
      receivedBy: "护士长周",
      temperatures: [
        { product: "red_cells", celsius: 14 },
        { product: "plasma", celsius: -25 },
      ],
      occurredAt: clock.iso(),
    });
    expect(warm.status).toBe(409);
    expect(warm.body.code).toBe("blood_cold_chain_breach");
    await step(centre, "delivered", {
      receivedBy: "护士长周",
      temperatures: [
        { product: "red_cells", celsius: 4 },
        { product: "plasma", celsius: -25 },
      ],
    });
    const section = await auditor.get(`/api/cases/${caseId}/blood-requests`);
    expect(section.status).toBe(200);
    expect(section.body.status).toEqual({ status: "delivered", alarms: [] });
    const [request] = section.body.requests;
    expect(
      request.milestones.map((m: { milestone: string; state: string }) => [m.milestone, m.state]),
    ).toEqual([
      ["acknowledged", "met"],
      ["issued", "met"],
      ["delivered", "met"],
    ]);
    expect(request.consignments[0].delivered).toMatchObject({ by: "护士长周" });
    expect((await county.get(`/api/cases/${caseId}/blood-requests`)).status).toBe(200);
  });

  it("R-BLD-2 the board shows the case's blood status beside its transfer", async () => {
    const dispatcher = await apiClient(harness.service.url, "dispatcher");
    const board = await dispatcher.get("/api/board");
    const item = board.body.items.find((i: { id: string }) => i.id === `transfer-${transferId}`);
    expect(item.blood).toEqual({ status: "delivered", alarms: [] });
  });

  it("R-BLD-2 an unacknowledged emergency request raises an alarm on the station's queue once past its target", async () => {
    const dispatcher = await apiClient(harness.service.url, "dispatcher");
    const feed = await boardClient(harness.service.url, dispatcher.token);
    await feed.next((m) => m.type === "snapshot");
    const late = await centre.command("/api/blood-requests", bloodRequest({ occurredAt: clock.iso() }));
    expect(late.status).toBe(201);
    const pushed = await feed.next(
      (m) =>
        m.type === "change" && (m.item?.blood as { status?: string } | undefined)?.status === "requested",
    );
    expect(pushed.itemId).toBe(`transfer-${transferId}`);
    feed.close();
    clock.advance(6);
    const queue = await station.get("/api/blood-requests/queue");
    const item = queue.body.items.find((i: { bloodRequestId: string }) => i.bloodRequestId === late.body.id);
    expect(item.alarms).toEqual(["acknowledged"]);
    const section = await centre.get(`/api/cases/${caseId}/blood-requests`);
    expect(section.body.status).toEqual({ status: "requested", alarms: ["acknowledged"] });
  });

  it("R-BLD-1 blood events are in the case timeline under the case", async () => {
    const timeline = await auditor.get(`/api/cases/${caseId}/timeline`);
    const types = timeline.body.entries.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        "BloodRequested",
        "BloodRequestAcknowledged",
        "BloodIssued",
        "BloodPacked",
        "BloodHandedOver",
        "BloodDelivered",
      ]),
    );
  });
});
