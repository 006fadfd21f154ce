import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, boardClient, type Harness, startHarness, testClock } from "./harness.js";

/** MDT activation (000 §十六) through the running service: real HTTP on 127.0.0.1, a real SQLite file. */
describe("MDT activation over HTTP, 000 §十六", () => {
  const clock = testClock("2026-11-24T09:00:00.000Z");
  let harness: Harness;
  let county: ApiClient;
  let centre: ApiClient;
  let medaffairs: ApiClient;
  let auditor: ApiClient;
  let caseId = "";
  let transferId = "";
  let mdtId = "";
  const pph = { riskGrade: "red", lifeThreatening: true, condition: "postpartum_haemorrhage" };
  const mdt = (step: string) => `/api/mdt/${mdtId}/${step}`;

  beforeAll(async () => {
    harness = await startHarness(clock, {
      MDT_TARGETS_BY_INSTITUTION: JSON.stringify({ no_such_hospital: { activationToArrivalMinutes: 1 } }),
    });
    const url = harness.service.url;
    county = await apiClient(url, "county");
    centre = await apiClient(url, "centre");
    medaffairs = await apiClient(url, "medaffairs");
    auditor = await apiClient(url, "auditor");
    const transfer = await county.command("/api/transfers", {
      patientKind: "maternal",
      patient: { name: "王秀兰" },
      riskGrade: "red",
      originInstitutionId: county.institutionId,
      destinationInstitutionId: centre.institutionId,
      veryCritical: true,
      clinicalSummary: "产后出血 1500 mL",
      requestedBy: "李医生",
      occurredAt: clock.iso(),
    });
    expect(transfer.status, JSON.stringify(transfer.body)).toBe(201);
    caseId = transfer.body.caseId;
    transferId = transfer.body.id;
  });
  afterAll(async () => harness?.stop());

  it("R-MDT-2 medical affairs pre-activates from the pre-arrival alert; the id is the service's", async () => {
    clock.advance(5);
    const feed = await boardClient(harness.service.url, centre.token);
    await feed.next((m) => m.type === "snapshot");
    const answer = await medaffairs.command("/api/mdt/pre-activations", {
      caseId,
      transferId,
      institutionId: medaffairs.institutionId,
      judgement: pph,
      reason: "转运途中持续出血",
      activatedBy: "医务科 李科长",
      occurredAt: clock.iso(),
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ caseId, events: ["MdtPreActivated"] });
    expect(answer.body.id).toMatch(/^M[A-Za-z0-9]{14}$/);
    mdtId = answer.body.id;
    // The board feed re-sends the case's transfer with its MDT status (a real WebSocket client).
    const change = await feed.next(
      (m) => m.type === "change" && m.itemId === `transfer-${transferId}` && m.item?.mdt === "activated",
    );
    expect(change.item).toMatchObject({ caseId, mdt: "activated" });
    feed.close();
  });

  it("R-MDT-3 lead and two associate-chief specialists called and on scene, leader, five standby acks", async () => {
    clock.advance(1);
    const calls = [
      ["lead-calls", { department: "obstetrics", person: "赵主任", rank: "chief" }],
      ["specialist-calls", { department: "icu", person: "孙主任", rank: "associate_chief" }],
      ["specialist-calls", { department: "haematology", person: "周主任", rank: "chief" }],
    ] as const;
    for (const [path, body] of calls) {
      const called = await medaffairs.command(mdt(path), {
        ...body,
        calledBy: "李科长",
        occurredAt: clock.iso(),
      });
      expect(called.status, JSON.stringify(called.body)).toBe(200);
    }
    const services = ["lab", "imaging", "transfusion", "theatre", "anaesthesia"];
    expect(
      (await medaffairs.command(mdt("standby"), { services, requestedBy: "李科长", occurredAt: clock.iso() }))
        .status,
    ).toBe(200);
    clock.advance(4);
    for (const service of services)
      expect(
        (
          await centre.command(mdt("standby-acks"), {
            service,
            acknowledgedBy: "值班",
            occurredAt: clock.iso(),
          })
        ).status,
      ).toBe(200);
    clock.advance(6);
    for (const callId of ["call1", "call2", "call3"])
      expect((await centre.command(mdt("arrivals"), { callId, occurredAt: clock.iso() })).status).toBe(200);
    expect(
      (
        await medaffairs.command(mdt("leader"), {
          callId: "call1",
          appointedBy: "李科长",
          occurredAt: clock.iso(),
        })
      ).status,
    ).toBe(200);
    const staffed = await medaffairs.command(mdt("fully-staffed"), {
      declaredBy: "李科长",
      occurredAt: clock.iso(),
    });
    expect(staffed.status, JSON.stringify(staffed.body)).toBe(200);

    const queue = await medaffairs.get("/api/mdt?open=true");
    expect(queue.status).toBe(200);
    const [activation] = queue.body.activations;
    expect(activation).toMatchObject({
      mdtId,
      caseId,
      transferId,
      status: "fully_staffed",
      afeBanner: "none",
    });
    expect(
      activation.calls.map((c: { minutes: number; withinTarget: boolean }) => [c.minutes, c.withinTarget]),
    ).toEqual([
      [11, true],
      [11, true],
      [11, true],
    ]);
    expect(activation.rule).toMatchObject({
      leadOnScene: true,
      countingSpecialistsOnScene: 2,
      leaderAppointed: true,
      standbyAcknowledged: 5,
    });
    expect(activation.alarms).toEqual([]);
  });

  it("the board shows the case's MDT status, and the case timeline holds every MDT step (R-MDT-7)", async () => {
    const board = await centre.get("/api/board");
    const item = board.body.items.find((i: { id: string }) => i.id === `transfer-${transferId}`);
    expect(item?.mdt).toBe("fully_staffed");
    const timeline = await auditor.get(`/api/cases/${caseId}/timeline`);
    const types = timeline.body.entries.map((e: { type: string }) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        "MdtPreActivated",
        "MemberCalled",
        "MemberArrived",
        "LeaderAppointed",
        "MdtFullyStaffed",
      ]),
    );
    expect(types.filter((t: string) => t === "StandbyAcknowledged")).toHaveLength(5);
  });

  it("bad input is a 400 naming the field, and writes nothing", async () => {
    const before = await harness.service.store.headPosition();
    const bad = await medaffairs.command(mdt("specialist-calls"), {
      department: "astrology",
      person: "钱医生",
      rank: "associate_chief",
      calledBy: "李科长",
      occurredAt: clock.iso(),
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("department");
    const noJudgement = await medaffairs.command("/api/mdt/pre-activations", {
      caseId,
      transferId,
      institutionId: medaffairs.institutionId,
      reason: "x",
      activatedBy: "李科长",
      occurredAt: clock.iso(),
    });
    expect(noJudgement.status).toBe(400);
    expect(JSON.stringify(noJudgement.body)).toContain("judgement");
    expect(await harness.service.store.headPosition()).toBe(before);
  });

  it("R-MDT-3 a specialist below associate chief is a 409 naming the rule, unless an override reason is given", async () => {
    const call = {
      department: "cardiology",
      person: "钱医生",
      rank: "attending",
      calledBy: "李科长",
      occurredAt: clock.iso(),
    };
    const refused = await medaffairs.command(mdt("specialist-calls"), call);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "specialist_rank_too_low", rule: "R-MDT-3" });
    const overridden = await medaffairs.command(mdt("specialist-calls"), {
      ...call,
      overrideReason: "副主任均在手术",
    });
    expect(overridden.status).toBe(200);
  });

  it("R-MDT-6 the green-channel path refuses full activation for orange without danger to life", async () => {
    clock.advance(1);
    const opened = await centre.command("/api/mdt", {
      caseId,
      institutionId: centre.institutionId,
      department: "产科",
      openedBy: "张医生",
      reportedTo: "王主任",
      occurredAt: clock.iso(),
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const id = opened.body.id;
    const requested = await centre.command(`/api/mdt/${id}/request`, {
      judgement: { riskGrade: "orange", lifeThreatening: false, condition: "other" },
      reason: "妊娠合并心脏病",
      requestedBy: "王主任",
      occurredAt: clock.iso(),
    });
    expect(requested.status).toBe(200);
    const refused = await medaffairs.command(`/api/mdt/${id}/activate`, {
      activatedBy: "李科长",
      occurredAt: clock.iso(),
    });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "full_activation_not_indicated", rule: "R-MDT-6" });
    const consult = await medaffairs.command(`/api/mdt/${id}/consultations`, {
      departments: ["cardiology"],
      arrangedBy: "李科长",
      occurredAt: clock.iso(),
    });
    expect(consult.status).toBe(200);
  });

  it("another institution gets the 404 of an unknown MDT; auditors read but do not write", async () => {
    const arrival = { callId: "call1", occurredAt: clock.iso() };
    const foreign = await county.command(mdt("arrivals"), arrival);
    const unknown = await county.command("/api/mdt/MNoSuchMdt000001/arrivals", arrival);
    expect(foreign.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect((await county.get(`/api/mdt/${mdtId}`)).status).toBe(404);
    expect((await county.get("/api/mdt/MNoSuchMdt000001")).status).toBe(404);
    expect((await county.get("/api/mdt?open=true")).body.activations).toEqual([]);
    expect((await auditor.command(mdt("arrivals"), arrival)).status).toBe(403);
    const section = await auditor.get(`/api/cases/${caseId}/mdt`);
    expect(section.status).toBe(200);
    expect(section.body.activations).toHaveLength(2);
    const bloodstation = await apiClient(harness.service.url, "bloodstation");
    expect((await bloodstation.get("/api/mdt")).status).toBe(403);
  });

  it("a transfer of another case, or bound elsewhere, cannot be linked", async () => {
    const body = {
      caseId,
      transferId: "TNoSuchTransfer1",
      institutionId: medaffairs.institutionId,
      judgement: pph,
      reason: "预警",
      activatedBy: "李科长",
      occurredAt: clock.iso(),
    };
    expect((await medaffairs.command("/api/mdt/pre-activations", body)).status).toBe(404);
  });

  it("R-MDT-3 an arrival past the target raises an alarm on the medical-affairs view, computed from the clock", async () => {
    await medaffairs.command(mdt("head-calls"), {
      position: "deputy_in_charge",
      person: "吴副院长",
      calledBy: "李科长",
      occurredAt: clock.iso(),
    });
    clock.advance(45);
    const [activation] = (await medaffairs.get("/api/mdt?open=true")).body.activations;
    expect(activation.alarms.map((a: { kind: string; subject: string }) => [a.kind, a.subject])).toEqual(
      expect.arrayContaining([["arrival_overdue", "call5"]]),
    );
    const down = await medaffairs.command(mdt("stand-down"), {
      outcome: "icu",
      stoodDownBy: "李科长",
      occurredAt: clock.iso(),
    });
    expect(down.status).toBe(200);
    const after = (await medaffairs.get(`/api/mdt/${mdtId}`)).body;
    expect(after).toMatchObject({ status: "stood_down", outcome: "icu", alarms: [] });
  });

  it("R-MDT-4 R-MDT-5 AFE: fully staffed only once the head is on scene; an upper-level consultation answered and arrived", async () => {
    const at = () => clock.iso();
    const created = await medaffairs.command("/api/mdt/pre-activations", {
      caseId,
      transferId,
      institutionId: medaffairs.institutionId,
      judgement: { ...pph, condition: "amniotic_fluid_embolism" },
      reason: "疑似羊水栓塞",
      activatedBy: "李科长",
      occurredAt: at(),
    });
    expect(created.status).toBe(201);
    const path = (step: string) => `/api/mdt/${created.body.id}/${step}`;
    const ok = async (url: string, body: Record<string, unknown>, client = medaffairs) => {
      const answer = await client.command(url, { ...body, occurredAt: at() });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return answer;
    };
    await ok(path("lead-calls"), {
      department: "obstetrics",
      person: "赵主任",
      rank: "chief",
      calledBy: "李科长",
    });
    await ok(path("arrivals"), { callId: "call1" }, centre);
    await ok(path("leader"), { callId: "call1", appointedBy: "李科长" });
    const early = await medaffairs.command(path("fully-staffed"), { declaredBy: "李科长", occurredAt: at() });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: "hospital_head_not_on_scene", rule: "R-MDT-4" });
    expect((await medaffairs.get(`/api/mdt/${created.body.id}`)).body.afeBanner).toBe("head_awaited");
    await ok(path("head-calls"), { position: "head", person: "院长", calledBy: "李科长" });
    await ok(path("arrivals"), { callId: "call2" }, centre);
    await ok(path("fully-staffed"), { declaredBy: "李科长" });

    await ok(path("upper-consultations"), {
      target: "health_administration",
      reason: "需省级专家",
      requestedBy: "李科长",
    });
    await ok(path("upper-consultation-answers"), {
      consultId: "consult1",
      answer: "省妇幼派专家",
      experts: ["郑教授"],
      answeredBy: "卫健委妇幼科",
    });
    await ok(path("upper-consultant-arrivals"), { consultId: "consult1", expert: "郑教授" }, centre);
    const view = (await medaffairs.get(`/api/mdt/${created.body.id}`)).body;
    expect(view).toMatchObject({ status: "fully_staffed", afeBanner: "head_on_scene" });
    expect(view.consultations).toEqual([
      expect.objectContaining({
        target: "health_administration",
        experts: ["郑教授"],
        arrivals: [expect.objectContaining({ expert: "郑教授" })],
      }),
    ]);
  });
});
