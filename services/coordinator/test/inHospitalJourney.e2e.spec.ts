import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, boardClient, type Harness, startHarness, testClock } from "./harness.js";
import { IN_HOSPITAL_JOURNEY_EVENTS } from "./inHospitalJourneyEvents.js";

/**
 * Issue 9 "done when", end to end against the running service (real HTTP on 127.0.0.1, real WebSocket clients,
 * a real SQLite file): a red-grade woman bleeding after delivery leaves the county MCH hospital; the rescue
 * centre is alerted before she arrives and acknowledges; medical affairs pre-activates the MDT (000 §十六); the
 * obstetric lead and two associate-chief specialists are called and come, a leader is appointed, five services
 * stand by; 4 U red cells and 400 mL plasma, O RhD+, are requested, acknowledged, issued, packed and delivered
 * (000 §二十二); she is handed over; the auditor finds every step with its times against the targets.
 */
describe("in-hospital response: pre-arrival alert → MDT → emergency blood → handover → audit", () => {
  const clock = testClock("2026-11-24T09:00:00.000Z");
  let harness: Harness;
  let county: ApiClient;
  let centre: ApiClient;
  let dispatcher: ApiClient;
  let medaffairs: ApiClient;
  let station: ApiClient;
  let auditor: ApiClient;

  beforeAll(async () => {
    harness = await startHarness(clock);
    const url = harness.service.url;
    county = await apiClient(url, "county");
    centre = await apiClient(url, "centre");
    dispatcher = await apiClient(url, "dispatcher");
    medaffairs = await apiClient(url, "medaffairs");
    station = await apiClient(url, "bloodstation");
    auditor = await apiClient(url, "auditor");
  });
  afterAll(async () => harness?.stop());

  const ok = async (answer: Promise<{ status: number; body: unknown }>, expected = 200) => {
    const { status, body } = await answer;
    expect(status, JSON.stringify(body)).toBe(expected);
    return body as Record<string, unknown>;
  };

  it("R-TRF-7 R-MDT-2 R-MDT-3 R-MDT-7 R-BLD-1 R-BLD-2: every step happens, is seen live, and is in the audit trail", async () => {
    const url = harness.service.url;
    const at = () => clock.advance(1);

    // The county MCH hospital asks for a transfer to the rescue centre: red grade, postpartum haemorrhage.
    const created = await ok(
      county.command("/api/transfers", {
        patientKind: "maternal",
        patient: { name: "王秀兰", idCardNumber: "11010519491231002X" },
        riskGrade: "red",
        originInstitutionId: county.institutionId,
        destinationInstitutionId: centre.institutionId,
        veryCritical: true,
        clinicalSummary: "产后出血约1500ml，血压85/50",
        requestedBy: "李医生",
        occurredAt: at(),
      }),
      201,
    );
    const transferId = created.id as string;
    const caseId = created.caseId as string;
    const transfer = (step: string) => `/api/transfers/${transferId}/${step}`;

    // The dispatcher takes the first unit the service offers: an available monitored unit (R-TRF-2).
    const options = await ok(dispatcher.get(transfer("unit-options")));
    const [unit] = options.units as { ambulanceId: string; fits: boolean; status: string }[];
    expect(unit).toMatchObject({ fits: true, status: "available" });
    const ambulanceId = unit?.ambulanceId as string;
    await ok(
      dispatcher.command(transfer("dispatch"), { ambulanceId, dispatchedBy: "调度员赵", occurredAt: at() }),
    );
    await ok(dispatcher.command(transfer("unit-arrived"), { occurredAt: at() }));

    // The centre's staff watch their hospital's feed; the departure raises the alert there, live.
    const arrivals = await boardClient(url, centre.token, undefined, "/ws/arrivals");
    await arrivals.next((m) => m.type === "snapshot");
    const departedAt = at();
    await ok(
      dispatcher.command(transfer("departure"), {
        condition: {
          summary: "面色苍白，阴道持续出血",
          vitalSigns: { systolicBp: 85, diastolicBp: 50, heartRate: 126, spo2: 95 },
        },
        escorts: ["李医生", "陈护士"],
        clinicalRecordHandedOver: true,
        expectedArrivalAt: new Date(Date.parse(departedAt) + 40 * 60_000).toISOString(),
        readiness: { asks: ["theatre", "blood", "specialists"], note: "备O型RhD阳性红细胞4U、血浆400mL" },
        occurredAt: departedAt,
      }),
    );
    const alert = await arrivals.next((m) => m.type === "change" && m.itemId === `transfer-${transferId}`);
    expect(JSON.stringify(alert.item)).toContain("theatre");
    await ok(
      centre.command(transfer("pre-arrival-acknowledgement"), {
        acknowledgedBy: "产科 张主任",
        occurredAt: at(),
      }),
    );
    arrivals.close();

    // Medical affairs pre-activates the MDT from the alert, before she arrives (R-MDT-2).
    const activation = await ok(
      medaffairs.command("/api/mdt/pre-activations", {
        caseId,
        transferId,
        institutionId: medaffairs.institutionId,
        judgement: { riskGrade: "red", lifeThreatening: true, condition: "postpartum_haemorrhage" },
        reason: "转运途中持续出血",
        activatedBy: "医务科 李科长",
        occurredAt: at(),
      }),
      201,
    );
    const mdtId = activation.id as string;
    const mdt = (step: string) => `/api/mdt/${mdtId}/${step}`;
    // R-MDT-3: the obstetric lead and two associate-chief-or-above specialists, called and on scene.
    const calls = [
      ["lead-calls", { department: "obstetrics", person: "赵主任", rank: "chief" }],
      ["specialist-calls", { department: "icu", person: "孙主任", rank: "associate_chief" }],
      ["specialist-calls", { department: "haematology", person: "周主任", rank: "associate_chief" }],
    ] as const;
    for (const [path, body] of calls)
      await ok(medaffairs.command(mdt(path), { ...body, calledBy: "李科长", occurredAt: at() }));
    const services = ["lab", "imaging", "transfusion", "theatre", "anaesthesia"];
    await ok(medaffairs.command(mdt("standby"), { services, requestedBy: "李科长", occurredAt: at() }));
    for (const service of services)
      await ok(centre.command(mdt("standby-acks"), { service, acknowledgedBy: "值班", occurredAt: at() }));
    for (const callId of ["call1", "call2", "call3"])
      await ok(centre.command(mdt("arrivals"), { callId, occurredAt: at() }));
    await ok(medaffairs.command(mdt("leader"), { callId: "call1", appointedBy: "李科长", occurredAt: at() }));
    await ok(medaffairs.command(mdt("fully-staffed"), { declaredBy: "李科长", occurredAt: at() }));

    // R-BLD-1: the centre reports the blood she needs to the station early; the station runs it to the scene.
    const blood = await ok(
      centre.command("/api/blood-requests", {
        caseId,
        transferId,
        requestingInstitutionId: centre.institutionId,
        phase: "postpartum",
        indication: "postpartum_haemorrhage",
        bloodGroup: { abo: "O", rhD: "positive" },
        products: [
          { product: "red_cells", unit: "U", quantity: 4 },
          { product: "plasma", unit: "mL", quantity: 400 },
        ],
        urgency: "emergency",
        destination: { institutionId: centre.institutionId, place: "产房2号手术间" },
        requestedBy: "张主任",
        occurredAt: at(),
      }),
      201,
    );
    const bloodId = blood.id as string;
    const bloodStep = (who: ApiClient, step: string, body: Record<string, unknown>) =>
      ok(who.command(`/api/blood-requests/${bloodId}/${step}`, { ...body, occurredAt: at() }));
    await bloodStep(station, "acknowledge", { acknowledgedBy: "值班员王" });
    await bloodStep(station, "prepare", { preparedBy: "发血员刘" });
    const group = { abo: "O", rhD: "positive" };
    await bloodStep(station, "issue", {
      items: [
        { product: "red_cells", unit: "U", quantity: 4, group },
        { product: "plasma", unit: "mL", quantity: 400, group },
      ],
      issuedBy: "发血员刘",
    });
    await bloodStep(station, "pack", { packedBy: "发血员刘" });
    await bloodStep(station, "hand-over", {
      transport: "station_delivery",
      vehicle: "血站送血车 川A1234",
      carriedBy: "司机陈",
      handedOverBy: "发血员刘",
    });
    await bloodStep(centre, "delivered", {
      receivedBy: "护士长周",
      temperatures: [
        { product: "red_cells", celsius: 4 },
        { product: "plasma", celsius: -25 },
      ],
    });

    // She arrives and is handed over; the unit is back in service.
    await ok(dispatcher.command(transfer("arrival"), { occurredAt: at() }));
    await ok(
      centre.command(transfer("handover"), {
        handedOverBy: "李医生",
        receivedBy: "张主任",
        condition: { summary: "出血减少", vitalSigns: { systolicBp: 98, diastolicBp: 60, heartRate: 104 } },
        documents: ["转诊单", "病历摘要"],
        occurredAt: at(),
      }),
    );
    const fleet = await ok(dispatcher.get("/api/fleet"));
    expect(
      (fleet.units as { ambulanceId: string; status: string }[]).find((u) => u.ambulanceId === ambulanceId),
    ).toMatchObject({ status: "back_in_service" });

    // The auditor: the case timeline holds every step, and each section stands against its rule and targets.
    const timeline = await ok(auditor.get(`/api/cases/${caseId}/timeline`));
    const types = (timeline.entries as { type: string }[]).map((e) => e.type);
    for (const type of IN_HOSPITAL_JOURNEY_EVENTS) expect(types, type).toContain(type);
    // Three calls and three arrivals, five standby acknowledgements: each its own event (R-MDT-7).
    expect(types.filter((t) => t === "MemberCalled" || t === "MemberArrived")).toHaveLength(6);
    expect(types.filter((t) => t === "StandbyAcknowledged")).toHaveLength(5);

    const record = await ok(auditor.get(`/api/transfers/${transferId}/record`));
    expect(JSON.stringify(record)).toContain("PreArrivalAlertAcknowledged");

    const mdtSection = await ok(auditor.get(`/api/cases/${caseId}/mdt`));
    const [audited] = mdtSection.activations as Record<string, unknown>[];
    expect(audited).toMatchObject({ mdtId, status: "fully_staffed", alarms: [] });
    expect(audited?.rule).toMatchObject({
      leadOnScene: true,
      countingSpecialistsOnScene: 2,
      leaderAppointed: true,
      standbyAcknowledged: 5,
    });
    const auditedCalls = (audited?.calls ?? []) as { withinTarget: boolean; minutes: number }[];
    expect(auditedCalls).toHaveLength(3);
    for (const call of auditedCalls) expect(call).toMatchObject({ withinTarget: true });

    const bloodSection = await ok(auditor.get(`/api/cases/${caseId}/blood-requests`));
    expect(bloodSection.status).toEqual({ status: "delivered", alarms: [] });
    const [request] = bloodSection.requests as { milestones: { milestone: string; state: string }[] }[];
    expect(request?.milestones.map((m) => [m.milestone, m.state])).toEqual([
      ["acknowledged", "met"],
      ["issued", "met"],
      ["delivered", "met"],
    ]);
  });
});
