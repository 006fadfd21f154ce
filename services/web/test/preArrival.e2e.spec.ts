import { describe, expect, it } from "vitest";
import { apiClient } from "../../coordinator/test/harness.js";
import { hasChromium, openAs, pagesOnService, screenshot } from "./browser.js";

/**
 * Issue 9 §1 in the pages: a red woman departs from the county towards the rescue centre; the centre's inbox
 * shows the pre-arrival alert live (no reload), with condition, ETA and asks, and acknowledges it by name; the
 * blood station sees it masked because blood is asked for; a foreign hospital sees nothing.
 */
describe.skipIf(!hasChromium)("pages: pre-arrival alert", () => {
  const env = pagesOnService();

  it("R-TRF-7: the receiving inbox shows the alert live and acknowledges it", async () => {
    const base = env.harness.service.url;
    const centre = (await openAs(env.browser, base, "centre")).page;
    const clinic = (await openAs(env.browser, base, "clinic")).page;
    const blood = (await openAs(env.browser, base, "bloodstation")).page;
    // The station's home is its request queue; the alerts asking for blood are its second tab.
    await blood.getByTestId("tab-arrivals").click();
    for (const page of [centre, clinic, blood])
      await expect.poll(() => page.getByTestId("pre-arrival-connection").textContent()).toBe("实时");
    await expect.poll(() => centre.getByTestId("pre-arrival-empty").isVisible()).toBe(true);

    const county = await apiClient(base, "county");
    const dispatcher = await apiClient(base, "dispatcher");
    const now = () => new Date().toISOString();
    const created = await county.command("/api/transfers", {
      patientKind: "maternal",
      patient: { name: "孙丽娟", idCardNumber: "11010519491231002X" },
      riskGrade: "red",
      originInstitutionId: county.institutionId,
      destinationInstitutionId: "jc_mch_rescue_centre",
      veryCritical: true,
      clinicalSummary: "产后出血约1500ml",
      requestedBy: "周医生",
      occurredAt: now(),
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(
      (
        await dispatcher.command(`/api/transfers/${id}/dispatch`, {
          ambulanceId: "amb_m01",
          overrideReason: "测试：同一车辆连续派出",
          dispatchedBy: "调度员赵",
          occurredAt: now(),
        })
      ).status,
    ).toBe(200);
    // The dispatcher records the departure on the board page, with the ETA and what to have ready.
    const board = (await openAs(env.browser, base, "dispatcher")).page;
    const row = board.locator(`[data-testid="board-row"][data-item-id="transfer-${id}"]`);
    await expect.poll(() => row.getAttribute("data-step")).toBe("dispatched");
    await row.getByTestId("action-departure").click();
    await board.getByTestId("field-condition.summary").fill("面色苍白，持续出血");
    await board.getByTestId("field-condition.vitalSigns.systolicBp").fill("84");
    await board.getByTestId("field-condition.vitalSigns.heartRate").fill("128");
    await board.getByTestId("field-escorts").fill("护士钱");
    await board.getByTestId("field-clinicalRecordHandedOver").check();
    await board.getByTestId("field-etaMinutes").fill("35");
    await board.getByTestId("field-ask-theatre").check();
    await board.getByTestId("field-ask-blood").check();
    await board.getByTestId("field-readiness.note").fill("备O型RhD阳性红细胞4U");
    await board.getByTestId("dialog-submit").click();
    await expect.poll(() => row.getAttribute("data-step")).toBe("departed");
    await expect.poll(() => row.getByTestId("pre-arrival-state").textContent()).toContain("接收方未确认预警");

    // Live, without a reload: the centre sees who is coming, her condition, the ETA and the asks.
    const alert = centre.getByTestId(`pre-arrival-${id}`);
    await alert.waitFor();
    expect(await alert.getByTestId("pre-arrival-patient").textContent()).toBe("孙丽娟");
    expect(await alert.getByTestId("pre-arrival-condition").textContent()).toContain("收缩压 84");
    expect(await alert.getByTestId("pre-arrival-asks").textContent()).toContain("手术室 · 备血");
    expect(await alert.getByTestId("pre-arrival-eta").textContent()).toContain("预计到达");
    expect(await alert.getByTestId("pre-arrival-asks").textContent()).toContain("备O型RhD阳性红细胞4U");
    expect(await alert.getByTestId("pre-arrival-ack-state").textContent()).toContain("尚未确认");
    await screenshot(centre, "pre-arrival-01-centre-alert");

    // The blood station sees it (blood is asked for) without her name; the clinic sees nothing.
    const bloodAlert = blood.getByTestId(`pre-arrival-${id}`);
    await bloodAlert.waitFor();
    expect(await bloodAlert.getByTestId("pre-arrival-patient").textContent()).not.toContain("丽娟");
    expect(await clinic.getByTestId(`pre-arrival-${id}`).count()).toBe(0);

    // Acknowledge by keyboard: an empty name is refused with the field named, then a name is given.
    await alert.getByTestId("pre-arrival-acknowledge").click();
    await centre.keyboard.press("Enter");
    await alert.getByTestId("pre-arrival-error").waitFor();
    await centre.keyboard.type("张主任");
    await centre.keyboard.press("Enter");
    await centre.getByTestId("pre-arrival-done").waitFor();
    await expect
      .poll(() => alert.getByTestId("pre-arrival-ack-state").textContent())
      .toContain("已确认：张主任");
    expect(await alert.getByTestId("pre-arrival-acknowledge").count()).toBe(0);
    // The dispatcher's board shows that the destination has it.
    await expect
      .poll(() => row.getByTestId("pre-arrival-state").textContent())
      .toContain("接收方已确认预警（张主任）");
    await screenshot(centre, "pre-arrival-02-acknowledged");
    expect(await clinic.getByTestId(`pre-arrival-${id}`).count()).toBe(0);

    // The dispatcher updates the ETA; the centre's alert follows, live.
    await row.getByTestId("action-eta").click();
    await board.getByTestId("field-etaMinutes").fill("20");
    await board.getByTestId("field-updatedBy").fill("调度员赵");
    await board.getByTestId("dialog-submit").click();
    await expect.poll(() => alert.getByTestId("pre-arrival-eta").textContent()).toContain("调度员赵");
  });
});
