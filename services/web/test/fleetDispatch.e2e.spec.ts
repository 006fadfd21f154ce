import { describe, expect, it } from "vitest";
import { apiClient } from "../../coordinator/test/harness.js";
import { hasChromium, openAs, pagesOnService, screenshot } from "./browser.js";

/**
 * The dispatch dialog offers the units the service ranks (issue 9 §4): available units of a fitting type first,
 * nearest to the origin first, then the others with their status; a busy unit needs the override reason.
 */
describe.skipIf(!hasChromium)("pages: dispatch dialog with fleet status", () => {
  const env = pagesOnService();

  it("R-TRF-2 R-TRF-9 available fitting units first, nearest first; a busy unit is sent only with a reason", async () => {
    const base = env.harness.service.url;
    const clinic = await apiClient(base, "clinic");
    const dispatcherApi = await apiClient(base, "dispatcher");
    const transfer = async () => {
      const answer = await clinic.command("/api/transfers", {
        patientKind: "maternal",
        patient: { name: "王秀兰" },
        riskGrade: "red",
        originInstitutionId: "qc_shiqiao_thc",
        destinationInstitutionId: "jc_mch_rescue_centre",
        veryCritical: false,
        clinicalSummary: "产后出血",
        requestedBy: "李医生",
        occurredAt: new Date().toISOString(),
      });
      expect(answer.status).toBe(201);
      return answer.body.id as string;
    };
    const first = await transfer();
    const second = await transfer();
    // One monitored unit is on the first transfer, one ordinary unit is out of service.
    const dispatched = await dispatcherApi.command(`/api/transfers/${first}/dispatch`, {
      ambulanceId: "amb_m01",
      dispatchedBy: "调度员赵",
      occurredAt: new Date().toISOString(),
    });
    expect(dispatched.status).toBe(200);
    const out = await dispatcherApi.command("/api/units/amb_o01/out-of-service", {
      reason: "检修",
      recordedBy: "调度员赵",
      occurredAt: new Date().toISOString(),
    });
    expect(out.status).toBe(200);

    const page = (await openAs(env.browser, base, "dispatcher")).page;
    const row = page.locator(`[data-testid="board-row"][data-item-id="transfer-${second}"]`);
    await row.waitFor({ timeout: 10_000 });
    await row.getByTestId("action-dispatch").click();
    const dialog = page.getByTestId("dispatch-dialog");
    const options = dialog.getByTestId("unit-option");
    // The ranked list has arrived when the busy unit shows its status.
    await expect
      .poll(() => dialog.locator('[data-ambulance-id="amb_m01"]').getAttribute("data-status"))
      .toBe("dispatched");
    const ranked = await options.evaluateAll((inputs) =>
      inputs.map((i) => ({
        id: i.getAttribute("data-ambulance-id"),
        fits: i.getAttribute("data-fits") === "true",
        status: i.getAttribute("data-status"),
      })),
    );
    const freeFitting = ranked.filter((u) => u.fits && u.status === "available");
    expect(freeFitting.map((u) => u.id).sort()).toEqual(["amb_m02", "amb_m03"]);
    expect(ranked.slice(0, freeFitting.length)).toEqual(freeFitting);
    expect(ranked.find((u) => u.id === "amb_o01")?.status).toBe("out_of_service");
    // Nearest first: the distances shown for the leading units go up.
    const km = await dialog
      .locator(".unit .distance")
      .evaluateAll((spans) =>
        spans.slice(0, 2).map((s) => Number((s.textContent ?? "").replace(/[^\d.]/g, ""))),
      );
    expect(km).toHaveLength(2);
    expect(km[0]).toBeLessThanOrEqual(km[1] ?? 0);
    await screenshot(page, "fleet-dispatch-dialog");

    // The busy unit asks for the override reason, with the keyboard.
    await dialog.locator('[data-ambulance-id="amb_m01"]').focus();
    await page.keyboard.press("Space");
    const reason = dialog.getByTestId("field-overrideReason");
    await reason.waitFor();
    await reason.fill("最近的监护车，原任务改派");
    await dialog.getByTestId("dispatch-submit").click();
    await expect.poll(() => row.getAttribute("data-step")).toBe("dispatched");
    const claims: { type: string; data: { overrideReason?: string; transferId: string } }[] = [];
    for await (const e of env.harness.service.store.readStream("unit-amb_m01"))
      claims.push(e as (typeof claims)[number]);
    expect(claims.at(-1)).toMatchObject({
      type: "UnitAssigned",
      data: { transferId: second, overrideReason: "最近的监护车，原任务改派" },
    });

    // The fleet beside the board shows each unit's status; the dispatcher puts the repaired unit back in service.
    const fleetUnit = (id: string) => page.locator(`[data-testid="fleet-unit"][data-ambulance-id="${id}"]`);
    await expect.poll(() => fleetUnit("amb_m01").getAttribute("data-status")).toBe("dispatched");
    expect(await fleetUnit("amb_o01").getAttribute("data-status")).toBe("out_of_service");
    await fleetUnit("amb_o01").getByTestId("fleet-action-back-in-service").click();
    await page.getByTestId("unit-dialog").getByTestId("dialog-submit").click();
    await expect.poll(() => fleetUnit("amb_o01").getAttribute("data-status")).toBe("available");
  });
});
