import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, type Harness, startHarness, testClock } from "./harness.js";

/** Ambulance fleet status over real HTTP and a real SQLite log (issue 9 §4, 000 §十二, R-TRF-5, R-TRF-9). */
describe("ambulance fleet status", () => {
  const clock = testClock("2026-11-24T09:00:00.000Z");
  let harness: Harness;
  let clinic: ApiClient;
  let centre: ApiClient;
  let dispatcher: ApiClient;
  let auditor: ApiClient;

  beforeAll(async () => {
    harness = await startHarness(clock);
    clinic = await apiClient(harness.service.url, "clinic");
    centre = await apiClient(harness.service.url, "centre");
    dispatcher = await apiClient(harness.service.url, "dispatcher");
    auditor = await apiClient(harness.service.url, "auditor");
  });
  afterAll(async () => harness?.stop());

  const requestTransfer = async (riskGrade: "red" | "purple" = "red"): Promise<string> => {
    clock.advance(1);
    const answer = await clinic.command("/api/transfers", {
      patientKind: "maternal",
      patient: { name: "王秀兰" },
      riskGrade,
      originInstitutionId: "qc_shiqiao_thc",
      destinationInstitutionId: "jc_mch_rescue_centre",
      veryCritical: false,
      clinicalSummary: "产后出血",
      requestedBy: "李医生",
      occurredAt: clock.iso(),
    });
    expect(answer.status).toBe(201);
    return answer.body.id;
  };
  const dispatch = (transferId: string, ambulanceId: string, overrideReason?: string) =>
    dispatcher.command(`/api/transfers/${transferId}/dispatch`, {
      ambulanceId,
      dispatchedBy: "调度员赵",
      ...(overrideReason ? { overrideReason } : {}),
      occurredAt: clock.iso(),
    });
  const unitOf = async (ambulanceId: string) => {
    const fleet = await dispatcher.get("/api/fleet");
    expect(fleet.status).toBe(200);
    return fleet.body.units.find((u: { ambulanceId: string }) => u.ambulanceId === ambulanceId);
  };
  const unitEvents = async (ambulanceId: string) => {
    const events: {
      type: string;
      revision: number;
      data: Record<string, unknown>;
      metadata: { caseId: string };
    }[] = [];
    for await (const e of harness.service.store.readStream(`unit-${ambulanceId}`))
      events.push(e as (typeof events)[number]);
    return events;
  };
  const carryToHandover = async (transferId: string) => {
    clock.advance(5);
    expect(
      (await dispatcher.command(`/api/transfers/${transferId}/unit-arrived`, { occurredAt: clock.iso() }))
        .status,
    ).toBe(200);
    clock.advance(5);
    const departed = await dispatcher.command(`/api/transfers/${transferId}/departure`, {
      condition: { summary: "神志清", vitalSigns: { systolicBp: 100, heartRate: 100 } },
      escorts: ["李医生"],
      clinicalRecordHandedOver: true,
      occurredAt: clock.iso(),
    });
    expect(departed.status).toBe(200);
    clock.advance(30);
    expect(
      (await dispatcher.command(`/api/transfers/${transferId}/arrival`, { occurredAt: clock.iso() })).status,
    ).toBe(200);
    clock.advance(5);
    const handover = await centre.command(`/api/transfers/${transferId}/handover`, {
      handedOverBy: "李医生",
      receivedBy: "张主任",
      condition: { summary: "平稳", vitalSigns: { systolicBp: 110 } },
      documents: ["转诊单"],
      occurredAt: clock.iso(),
    });
    expect(handover.status).toBe(200);
  };

  it("R-TRF-9 two dispatchers taking one unit at once: exactly one succeeds, the other gets 409 with its status", async () => {
    const [first, second] = [await requestTransfer(), await requestTransfer()];
    clock.advance(1);
    const answers = await Promise.all([dispatch(first, "amb_m01"), dispatch(second, "amb_m01")]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 409]);
    const refused = answers.find((a) => a.status === 409)?.body;
    expect(refused).toMatchObject({ code: "unit_dispatched", rule: "R-TRF-9" });
    const winner = answers[0]?.status === 200 ? first : second;
    const loser = winner === first ? second : first;
    expect(await unitOf("amb_m01")).toMatchObject({ status: "dispatched", transferId: winner });
    // One claim only on the unit's stream, and the losing transfer still waits for a unit.
    expect((await unitEvents("amb_m01")).filter((e) => e.type === "UnitAssigned")).toHaveLength(1);
    const board = await dispatcher.get("/api/board");
    expect(board.body.items.find((i: { id: string }) => i.id === `transfer-${loser}`)?.step).toBe(
      "requested",
    );

    // The transfer's steps move the unit: at scene, transporting, at hospital, then back in service.
    await carryToHandover(winner);
    const events = await unitEvents("amb_m01");
    expect(events.map((e) => e.type)).toEqual([
      "UnitAssigned",
      "UnitStatusRecorded",
      "UnitStatusRecorded",
      "UnitStatusRecorded",
      "UnitReleased",
    ]);
    // Each carries the case in data and metadata: the unit's part of the case.
    expect(new Set(events.map((e) => e.metadata.caseId)).size).toBe(1);
    expect(events.every((e) => e.data.caseId === e.metadata.caseId)).toBe(true);
    expect(await unitOf("amb_m01")).toMatchObject({ status: "back_in_service", transferId: null });
    // Back in service is dispatchable without an override.
    clock.advance(1);
    expect((await dispatch(loser, "amb_m01")).status).toBe(200);
  });

  it("R-TRF-9 two units sent to one transfer at once: one dispatch stands, the other unit's claim is withdrawn", async () => {
    const transfer = await requestTransfer();
    clock.advance(1);
    const answers = await Promise.all([
      dispatch(transfer, "amb_m03"),
      dispatch(transfer, "amb_n01", "新生儿车随行"),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const [winner, loser] = answers[0]?.status === 200 ? ["amb_m03", "amb_n01"] : ["amb_n01", "amb_m03"];
    expect(answers.find((a) => a.status === 409)?.body.code).toBe("transfer_dispatched");
    expect(await unitOf(winner)).toMatchObject({ status: "dispatched", transferId: transfer });
    expect(await unitOf(loser)).toMatchObject({ status: "available", transferId: null });
    expect((await unitEvents(loser)).map((e) => [e.type, e.data.reason])).toEqual([
      ["UnitAssigned", undefined],
      ["UnitReleased", "dispatch_withdrawn"],
    ]);
    // Both back to free for the next test: the winner's transfer is cancelled, which releases its unit.
    clock.advance(1);
    const cancelled = await clinic.command(`/api/transfers/${transfer}/cancel`, {
      cancelledBy: "李医生",
      reason: "家属要求自行前往",
      occurredAt: clock.iso(),
    });
    expect(cancelled.status).toBe(200);
    expect(await unitOf(winner)).toMatchObject({ status: "back_in_service", transferId: null });
  });

  it("R-TRF-2 a dispatch the transfer refuses (a type that does not fit, no reason) leaves the unit untouched", async () => {
    const transfer = await requestTransfer("red");
    clock.advance(1);
    const before = (await unitEvents("amb_o02")).length;
    const refused = await dispatch(transfer, "amb_o02");
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "ambulance_type_mismatch", rule: "R-TRF-2" });
    expect(await unitEvents("amb_o02")).toHaveLength(before);
  });

  it("R-TRF-9 a claim left without its transfer event (the append after it failed) is completed by the next dispatch", async () => {
    const transfer = await requestTransfer();
    clock.advance(1);
    const caseId = (await dispatcher.get("/api/board")).body.items.find(
      (i: { id: string }) => i.id === `transfer-${transfer}`,
    ).caseId;
    const stream = "unit-amb_n01";
    const events = await unitEvents("amb_n01");
    await harness.service.store.append(
      stream,
      [
        {
          id: crypto.randomUUID(),
          type: "UnitAssigned",
          data: {
            ambulanceId: "amb_n01",
            transferId: transfer,
            caseId,
            infectious: false,
            previousStatus: "available",
            assignedBy: "调度员赵",
            occurredAt: clock.iso(),
          },
          metadata: {
            actor: { userId: "dispatcher", role: "dispatcher" },
            caseId,
            causationId: "stranded",
            commandId: "stranded",
            occurredAt: clock.iso(),
            schemaVersion: 1,
          },
        },
      ],
      events.at(-1)?.revision ?? "no_stream",
    );
    const answer = await dispatch(transfer, "amb_n01", "新生儿车，车上有监护设备");
    expect(answer.status).toBe(200);
    expect((await unitEvents("amb_n01")).filter((e) => e.type === "UnitAssigned")).toHaveLength(
      events.filter((e) => e.type === "UnitAssigned").length + 1,
    );
    expect(await unitOf("amb_n01")).toMatchObject({ status: "dispatched", transferId: transfer });
  });

  it("R-TRF-9 a retried dispatch (same Idempotency-Key) answers the same and claims the unit once", async () => {
    const transfer = await requestTransfer();
    clock.advance(1);
    const body = {
      ambulanceId: "amb_o01",
      dispatchedBy: "调度员赵",
      overrideReason: "车型不符，就近",
      occurredAt: clock.iso(),
    };
    const key = "fleet-retry-key-1";
    const first = await dispatcher.command(`/api/transfers/${transfer}/dispatch`, body, key);
    const again = await dispatcher.command(`/api/transfers/${transfer}/dispatch`, body, key);
    expect(first.status).toBe(200);
    expect(again).toEqual(first);
    expect((await unitEvents("amb_o01")).filter((e) => e.type === "UnitAssigned")).toHaveLength(1);
  });

  it("R-TRF-9 a busy unit is refused unless an override reason is given, and the override is recorded", async () => {
    const busy = await requestTransfer();
    clock.advance(1);
    expect((await dispatch(busy, "amb_m02")).status).toBe(200);
    const other = await requestTransfer();
    const refused = await dispatch(other, "amb_m02");
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "unit_dispatched", rule: "R-TRF-9" });
    expect(refused.body.detail).toContain(busy);
    const overridden = await dispatch(other, "amb_m02", "最近的监护车，前一任务改派普通车");
    expect(overridden.status).toBe(200);
    const claim = (await unitEvents("amb_m02")).at(-1);
    expect(claim).toMatchObject({
      type: "UnitAssigned",
      data: {
        transferId: other,
        previousStatus: "dispatched",
        overrideReason: "最近的监护车，前一任务改派普通车",
      },
    });
    // The transfer it was taken from no longer moves it.
    clock.advance(1);
    expect(
      (await dispatcher.command(`/api/transfers/${busy}/unit-arrived`, { occurredAt: clock.iso() })).status,
    ).toBe(200);
    expect(await unitOf("amb_m02")).toMatchObject({ status: "dispatched", transferId: other });
  });

  it("R-TRF-5 disinfection cycle: after an infectious transfer the unit waits for disinfection before it is available", async () => {
    const infectious = await requestTransfer("purple");
    clock.advance(1);
    expect((await dispatch(infectious, "amb_i01")).status).toBe(200);
    await carryToHandover(infectious);
    expect(await unitOf("amb_i01")).toMatchObject({
      status: "disinfection_pending",
      disinfectionAfterTransferId: infectious,
    });

    const next = await requestTransfer("purple");
    const refused = await dispatch(next, "amb_i01", "唯一负压车");
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "unit_disinfection_pending", rule: "R-TRF-5" });
    clock.advance(1);
    const early = await dispatcher.command("/api/units/amb_i01/back-in-service", {
      recordedBy: "调度员赵",
      occurredAt: clock.iso(),
    });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: "unit_disinfection_pending", rule: "R-TRF-5" });

    clock.advance(20);
    const done = await dispatcher.command("/api/units/amb_i01/disinfected", {
      disinfectedBy: "洗消员孙",
      occurredAt: clock.iso(),
    });
    expect(done.status).toBe(200);
    expect(done.body.events).toEqual(["UnitDisinfected"]);
    expect(await unitOf("amb_i01")).toMatchObject({ status: "available", disinfectionAfterTransferId: null });
    const history = await auditor.get("/api/units/amb_i01/history?limit=3");
    expect(history.status).toBe(200);
    expect(history.body.events.map((e: { type: string }) => e.type)).toEqual([
      "UnitAssigned",
      "UnitStatusRecorded",
      "UnitStatusRecorded",
    ]);
    const rest = await auditor.get(`/api/units/amb_i01/history?fromRevision=${history.body.next}`);
    expect(rest.body.events.at(-1)).toMatchObject({
      type: "UnitDisinfected",
      data: { transferId: infectious, disinfectedBy: "洗消员孙" },
      actor: { userId: "dispatcher" },
    });
    expect(rest.body.next).toBeNull();
    expect((await dispatch(next, "amb_i01")).status).toBe(200);
  });

  it("R-TRF-9 out of service with a reason, refused for dispatch, then back in service", async () => {
    clock.advance(1);
    const out = await dispatcher.command("/api/units/amb_o02/out-of-service", {
      reason: "轮胎更换",
      recordedBy: "调度员赵",
      occurredAt: clock.iso(),
    });
    expect(out.status).toBe(200);
    expect(await unitOf("amb_o02")).toMatchObject({
      status: "out_of_service",
      outOfServiceReason: "轮胎更换",
    });
    const again = await dispatcher.command("/api/units/amb_o02/out-of-service", {
      reason: "轮胎更换",
      recordedBy: "调度员赵",
      occurredAt: clock.iso(),
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe("unit_out_of_service");
    clock.advance(1);
    const back = await dispatcher.command("/api/units/amb_o02/back-in-service", {
      recordedBy: "调度员赵",
      occurredAt: clock.iso(),
    });
    expect(back.status).toBe(200);
    expect(await unitOf("amb_o02")).toMatchObject({ status: "available" });
  });

  it("ranks the units for a transfer: available fitting units first, nearest to the origin first", async () => {
    const transfer = await requestTransfer("red");
    const answer = await dispatcher.get(`/api/transfers/${transfer}/unit-options`);
    expect(answer.status).toBe(200);
    type Option = { ambulanceId: string; fits: boolean; dispatchable: boolean; distanceKm: number | null };
    const units: Option[] = answer.body.units;
    expect(answer.body.requiredAmbulanceType).toEqual(["monitored"]);
    const firstOther = units.findIndex((u) => !(u.fits && u.dispatchable));
    const best = units.slice(0, firstOther);
    expect(best.length).toBeGreaterThan(0);
    expect(best.every((u) => u.fits && u.dispatchable)).toBe(true);
    expect(units.slice(firstOther).some((u) => u.fits && u.dispatchable)).toBe(false);
    const km = best.map((u) => u.distanceKm ?? Number.POSITIVE_INFINITY);
    expect(km).toEqual([...km].sort((a, b) => a - b));
    expect(units).toHaveLength(7);
  });

  it("bad input is a 400 naming the field, and writes nothing", async () => {
    const before = await harness.service.store.headPosition();
    const answer = await dispatcher.raw(
      "POST",
      "/api/units/amb_o01/out-of-service",
      { reason: "  ", recordedBy: "调度员赵", occurredAt: "yesterday" },
      { "idempotency-key": "bad-input-fleet-1", "accept-language": "en" },
    );
    expect(answer.status).toBe(400);
    const paths = answer.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["body.reason", "body.occurredAt"]));
    expect(await harness.service.store.headPosition()).toBe(before);
  });

  it("an unknown ambulance or transfer is a 404; hospitals and auditors may not maintain the fleet", async () => {
    const body = { recordedBy: "调度员赵", occurredAt: clock.iso() };
    expect((await dispatcher.command("/api/units/amb_ghost/back-in-service", body)).status).toBe(404);
    expect((await dispatcher.get("/api/transfers/T_unknown/unit-options")).status).toBe(404);
    expect((await clinic.command("/api/units/amb_o01/back-in-service", body)).status).toBe(403);
    expect((await auditor.command("/api/units/amb_o01/back-in-service", body)).status).toBe(403);
    expect((await clinic.get("/api/fleet")).status).toBe(403);
    expect((await auditor.get("/api/fleet")).status).toBe(200);
  });
});
