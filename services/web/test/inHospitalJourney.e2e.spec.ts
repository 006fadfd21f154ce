import { describe, expect, it } from "vitest";
import { IN_HOSPITAL_JOURNEY_EVENTS } from "../../coordinator/test/inHospitalJourneyEvents.js";
import { fillFields, hasChromium, openAs, pagesOnService, screenshot } from "./browser.js";

/**
 * Issue 9 "done when", through the pages: one browser context per role on the real service (real HTTP, real
 * WebSocket, real SQLite). The county MCH hospital sends a red-grade woman bleeding after delivery to the rescue
 * centre; the dispatcher sends the unit the service offers, records the departure with the ETA and the asks, and
 * the crew's treatment on the way; the centre's inbox shows the pre-arrival alert live and its staff acknowledge
 * it by name; medical affairs pre-activates the MDT (000 §十六), calls the OB lead and two associate-chief
 * specialists, records their arrival, appoints the leader and five standby acknowledgements; the centre asks for
 * 4 U red cells + 400 mL plasma, O RhD+; the blood station runs it to the scene (000 §二十二); she is handed
 * over; the auditor finds all of it against the targets. Every step has a page, so the test sends no command
 * over the API.
 */
describe.skipIf(!hasChromium)("pages: in-hospital journey (issue 9)", () => {
  const env = pagesOnService();

  it("R-TRF-7 R-TRF-8 R-MDT-2 R-MDT-3 R-MDT-7 R-BLD-1 R-BLD-2: alert → MDT → blood → handover → audit, in the pages", async () => {
    const base = env.harness.service.url;
    const county = (await openAs(env.browser, base, "county")).page;
    const dispatcher = (await openAs(env.browser, base, "dispatcher")).page;
    const centre = (await openAs(env.browser, base, "centre")).page;
    const medaffairs = (await openAs(env.browser, base, "medaffairs")).page;
    const station = (await openAs(env.browser, base, "bloodstation")).page;
    await expect.poll(() => centre.getByTestId("pre-arrival-connection").textContent()).toBe("实时");

    // 1. The county MCH hospital asks for the transfer from its inbox: red grade, postpartum haemorrhage.
    await county.getByTestId("action-new-transfer").click();
    await fillFields(county, '[data-testid="transfer-form"]', {
      "patient.name": "孙丽娟",
      riskGrade: "red",
      destinationInstitutionId: "jc_mch_rescue_centre",
      clinicalSummary: "产后出血约1500ml，血压85/50",
      requestedBy: "李医生",
    });
    await county.locator('[data-testid="transfer-form"] [data-testid="field-veryCritical"]').check();
    await county.locator('[data-testid="transfer-form"] [type="submit"]').click();
    await county.getByTestId("form-success").waitFor();
    const transferId = ((await county.getByTestId("form-success-id").textContent()) ?? "").trim();
    const caseId = (await county.getByTestId("form-success-case-id").getAttribute("data-case-id")) ?? "";
    expect(transferId).not.toBe("");
    expect(caseId).not.toBe("");
    await county.getByTestId("form-close").click();

    // 2. The dispatcher sends the unit the service offers first (available, fitting, nearest: R-TRF-2).
    const row = dispatcher.locator(`[data-testid="board-row"][data-item-id="transfer-${transferId}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.getByTestId("action-dispatch").click();
    const dispatch = dispatcher.getByTestId("dispatch-dialog");
    // The service's ranked list has arrived when distances show (the reference list alone has none).
    await dispatch.locator(".unit .distance").first().waitFor();
    const offered = dispatch.getByTestId("unit-option").first();
    expect(await offered.getAttribute("data-fits")).toBe("true");
    expect(await offered.getAttribute("data-status")).toBe("available");
    const ambulanceId = (await offered.getAttribute("data-ambulance-id")) ?? "";
    await offered.check();
    await dispatch.getByTestId("dispatch-submit").click();
    await expect.poll(() => row.getAttribute("data-step")).toBe("dispatched");

    // The departure, with her condition, the ETA and what the crew asks to have ready.
    await row.getByTestId("action-departure").click();
    await fillFields(dispatcher, "", {
      "condition.summary": "面色苍白，阴道持续出血",
      "condition.vitalSigns.systolicBp": "85",
      "condition.vitalSigns.heartRate": "126",
      escorts: "李医生, 陈护士",
      etaMinutes: "40",
      "readiness.note": "备O型RhD阳性红细胞4U、血浆400mL",
    });
    await dispatcher.getByTestId("field-clinicalRecordHandedOver").check();
    for (const ask of ["theatre", "blood", "specialists"])
      await dispatcher.getByTestId(`field-ask-${ask}`).check();
    await dispatcher.getByTestId("dialog-submit").click();
    await expect.poll(() => row.getAttribute("data-step")).toBe("departed");

    // 3. R-TRF-7: the centre's inbox shows the alert live, and its staff acknowledge it by name, by keyboard.
    const alert = centre.getByTestId(`pre-arrival-${transferId}`);
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.getByTestId("pre-arrival-patient").textContent()).toBe("孙丽娟");
    expect(await alert.getByTestId("pre-arrival-condition").textContent()).toContain("收缩压 85");
    expect(await alert.getByTestId("pre-arrival-asks").textContent()).toContain("备O型RhD阳性红细胞4U");
    expect(await alert.getByTestId("pre-arrival-eta").textContent()).toContain("预计到达");
    await alert.getByTestId("pre-arrival-acknowledge").click();
    await centre.keyboard.type("产科 张主任");
    await centre.keyboard.press("Enter");
    await expect
      .poll(() => alert.getByTestId("pre-arrival-ack-state").textContent())
      .toContain("已确认：产科 张主任");
    await expect
      .poll(() => row.getByTestId("pre-arrival-state").textContent())
      .toContain("接收方已确认预警（产科 张主任）");
    await screenshot(centre, "in-hospital-01-alert-acknowledged");

    // The crew's treatment on the way, so that the transfer record is complete (000 §十二(十)).
    await row.getByTestId("action-en-route").click();
    await fillFields(dispatcher, "", { description: "开放两路静脉通道，快速补液", performedBy: "陈护士" });
    await dispatcher.getByTestId("dialog-submit").click();
    await dispatcher.getByTestId("dialog-submit").waitFor({ state: "detached" });

    // 4. R-MDT-2: medical affairs pre-activates the MDT from the incoming transfer, before she arrives.
    const incoming = medaffairs.locator(
      `[data-testid="incoming-transfer"][data-item-id="transfer-${transferId}"]`,
    );
    await incoming.waitFor({ timeout: 10_000 });
    await incoming.getByTestId("pre-activate-open").click();
    await incoming.getByTestId("pre-activate-condition").selectOption("postpartum_haemorrhage");
    expect(await incoming.getByTestId("pre-activate-life").isChecked()).toBe(true);
    await incoming.getByTestId("pre-activate-reason").fill("转运途中持续出血");
    await incoming.getByTestId("pre-activate-reason").press("Enter");
    await incoming.waitFor({ state: "detached" });
    const card = medaffairs.locator('[data-testid^="mdt-M"]');
    await card.waitFor();
    const mdtId = ((await card.getAttribute("data-testid")) ?? "").replace(/^mdt-/, "");
    await expect.poll(() => card.getByTestId("mdt-status").textContent()).toBe("已启动");

    // 5. R-MDT-3: the OB lead and two associate-chief specialists, one tap each; they arrive; a leader; standby.
    const call = async (person: string, rank: string, department: string) => {
      await card.getByTestId("call-person").fill(person);
      await card.getByTestId("call-rank").selectOption(rank);
      await card.getByTestId(`call-${department}`).click();
      await card.locator(`tr[data-person="${person}"]`).waitFor();
    };
    await call("赵主任", "chief", "obstetrics");
    await call("孙主任", "associate_chief", "icu");
    await call("周主任", "associate_chief", "haematology");
    for (const person of ["赵主任", "孙主任", "周主任"]) {
      const arrived = card.locator(`tr[data-person="${person}"] [data-testid="arrived"]`);
      await arrived.click();
      await arrived.waitFor({ state: "detached" });
    }
    await card.locator('tr[data-person="赵主任"] [data-testid="appoint-leader"]').click();
    await card.locator('tr[data-person="赵主任"] [data-testid="leader-mark"]').waitFor();
    await card.getByTestId("standby-all").click();
    const services = ["lab", "imaging", "transfusion", "theatre", "anaesthesia"];
    for (const service of services) {
      await card.getByTestId(`ack-${service}`).click();
      await card.locator(`li[data-service="${service}"] [data-testid="acknowledged"]`).waitFor();
    }
    await card.getByTestId("fully-staffed").click();
    await expect.poll(() => card.getByTestId("mdt-status").textContent()).toBe("人员已到齐");
    await screenshot(medaffairs, "in-hospital-02-mdt-fully-staffed");

    // 6. R-BLD-1: the centre reports the blood she needs to the station from its page.
    await centre.getByTestId("tab-hospitalBlood").click();
    await centre.getByTestId("blood-request-form").waitFor();
    await centre.getByTestId("blood-case").fill(caseId);
    await centre.getByTestId("blood-abo").selectOption("O");
    await centre.getByTestId("blood-rhd").selectOption("positive");
    await centre.getByTestId("blood-qty-red_cells").fill("4");
    await centre.getByTestId("blood-qty-plasma").fill("400");
    await centre.getByTestId("blood-place").fill("产房2号手术间");
    await centre.getByTestId("blood-requested-by").fill("张主任");
    await centre.getByTestId("blood-request-submit").click();
    const sent = (await centre.getByTestId("blood-request-sent").textContent()) ?? "";
    const bloodId = /B[A-Za-z0-9]{14}/.exec(sent)?.[0] ?? "";
    expect(bloodId).not.toBe("");

    // 7. R-BLD-2: the station acknowledges, issues, packs and hands over from its queue.
    const bloodRow = station.locator(`[data-testid="blood-row"][data-request="${bloodId}"]`);
    await bloodRow.waitFor({ timeout: 10_000 });
    expect(await bloodRow.getByTestId("blood-products").textContent()).toContain("悬浮红细胞 4 U");
    expect(await bloodRow.getByTestId("blood-products").textContent()).toContain("新鲜冰冻血浆 400 mL");
    const stationStep = async (action: string, fillIn: () => Promise<void>, progress: string) => {
      await bloodRow.getByTestId(`blood-action-${action}`).click();
      const dialog = station.getByTestId("blood-dialog");
      await dialog.waitFor();
      await fillIn();
      await dialog.getByTestId("blood-submit").click();
      await dialog.waitFor({ state: "detached" });
      await expect.poll(() => bloodRow.getByTestId("blood-progress").textContent()).toBe(progress);
    };
    // The acknowledgement dialog opens with the focus in its name field.
    await stationStep("acknowledge", () => station.keyboard.type("值班员王"), "已接收");
    await stationStep("issue", () => station.getByTestId("blood-person").fill("发血员刘"), "已出库");
    await stationStep("pack", () => station.getByTestId("blood-person").fill("发血员刘"), "已出库");
    await stationStep(
      "hand-over",
      async () => {
        await station.getByTestId("handover-vehicle").fill("血站送血车 川A1234");
        await station.getByTestId("handover-carrier").fill("司机陈");
        await station.getByTestId("blood-person").fill("发血员刘");
      },
      "运送中",
    );

    // The centre receives it at the scene and records the cold chain.
    const hospitalRow = centre.locator(`[data-testid="hospital-blood-row"][data-request="${bloodId}"]`);
    await expect
      .poll(() => hospitalRow.getByTestId("blood-progress").textContent(), { timeout: 10_000 })
      .toBe("运送中");
    await hospitalRow.getByTestId("hospital-blood-delivered").click();
    const received = centre.getByTestId("hospital-blood-dialog");
    await received.getByTestId("hospital-blood-temperature-red_cells").fill("4");
    await received.getByTestId("hospital-blood-temperature-plasma").fill("-25");
    await received.getByTestId("hospital-blood-person").fill("护士长周");
    await received.getByTestId("hospital-blood-submit").click();
    await expect.poll(() => hospitalRow.getByTestId("blood-progress").textContent()).toBe("已送达");
    await expect
      .poll(() => bloodRow.getByTestId("blood-progress").textContent(), { timeout: 10_000 })
      .toBe("已送达");
    await screenshot(centre, "in-hospital-03-blood-delivered");

    // The dispatcher's board shows the case's MDT and blood status beside the transfer still on its way.
    await expect
      .poll(() => row.getByTestId("mdt-status").textContent(), { timeout: 10_000 })
      .toBe("MDT：人员已到齐");
    await expect
      .poll(() => row.getByTestId("board-blood").getAttribute("data-blood"), { timeout: 10_000 })
      .toBe("delivered");

    // 8. She arrives; the centre records the handover from its inbox; the unit is back in service.
    await row.getByTestId("action-arrival").click();
    await dispatcher.getByTestId("dialog-submit").click();
    await expect.poll(() => row.getAttribute("data-step")).toBe("arrived");
    await centre.getByTestId("tab-inbox").click();
    const arrived = centre.locator(
      `[data-testid="inbox-row"][data-item-id="transfer-${transferId}"][data-step="arrived"]`,
    );
    await arrived.waitFor({ timeout: 10_000 });
    await arrived.getByTestId("action-handover").click();
    await fillFields(centre, '[data-testid="handover-form"]', {
      handedOverBy: "李医生",
      receivedBy: "张主任",
      "condition.summary": "出血减少，生命体征趋稳",
      "condition.vitalSigns.systolicBp": "98",
    });
    await centre.getByTestId("form-submit").click();
    await row.waitFor({ state: "detached", timeout: 10_000 });
    const fleetUnit = dispatcher.locator(`[data-testid="fleet-unit"][data-ambulance-id="${ambulanceId}"]`);
    await expect.poll(() => fleetUnit.getAttribute("data-status")).toBe("back_in_service");

    // 9. R-MDT-7: the auditor's case view holds every step, and the MDT and blood sections against targets.
    const auditor = (await openAs(env.browser, base, "auditor")).page;
    await auditor.getByTestId("field-caseId").fill(caseId);
    await auditor.getByTestId("search-submit").click();
    await auditor.locator(`[data-testid="case-result"][data-case-id="${caseId}"]`).click();
    await auditor.getByTestId("case-view").waitFor();
    const types = () =>
      auditor.getByTestId("timeline-entry").evaluateAll((els) => els.map((e) => e.getAttribute("data-type")));
    await expect.poll(types).toContain("HandoverCompleted");
    const timeline = await types();
    for (const type of IN_HOSPITAL_JOURNEY_EVENTS) expect(timeline, type).toContain(type);
    expect(timeline.filter((t) => t === "MemberCalled" || t === "MemberArrived")).toHaveLength(6);
    expect(timeline.filter((t) => t === "StandbyAcknowledged")).toHaveLength(5);

    const mdtSection = auditor.locator(`[data-testid="mdt-section-item"][data-mdt-id="${mdtId}"]`);
    await mdtSection.waitFor();
    const rule = (await mdtSection.getByTestId("mdt-rule").textContent()) ?? "";
    expect(rule).toContain("副主任及以上专家到场 2 人");
    const calls = mdtSection.getByTestId("mdt-section-call");
    expect(await calls.count()).toBe(3);
    // Each arrival stands against the hospital's target, within it: "n 分钟（目标 t）", never "超过目标".
    for (const text of await calls.allTextContents()) {
      expect(text).toMatch(/\d+ 分钟（目标 \d+）/);
      expect(text).not.toContain("超过目标");
    }

    const bloodSection = auditor.locator(`[data-testid="blood-section"] [data-request="${bloodId}"]`);
    await bloodSection.waitFor();
    for (const milestone of ["acknowledged", "issued", "delivered"])
      expect(await bloodSection.locator(`li[data-milestone="${milestone}"]`).textContent()).toContain("达标");
    expect(await bloodSection.textContent()).toContain("悬浮红细胞 4 U");
    // R-TRF-8: the transfer record is complete, each of its five items present.
    const checklist = auditor.locator('[data-testid="checklist"] [data-testid="checklist-item"]');
    await expect
      .poll(() => checklist.evaluateAll((els) => els.map((e) => e.getAttribute("data-status"))))
      .toEqual(["present", "present", "present", "present", "present"]);
    await screenshot(auditor, "in-hospital-04-auditor-case");
  }, 180_000);
});
