import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  apiClient,
  type Harness,
  startHarness,
  tamperWithFirstReferral,
} from "../../coordinator/test/harness.js";
import { hasChromium, launchBrowser, openAs, screenshot } from "./browser.js";

/** Issue 8: the admin's page shows the store, each read model and the hash chain, and a break as an alarm. */
describe.skipIf(!hasChromium)("admin's system page", () => {
  let harness: Harness;
  let browser: Browser;

  beforeAll(async () => {
    harness = await startHarness(undefined, {
      INTEGRITY_CHECK_SECONDS: "1",
      INTEGRITY_FULL_VERIFY_SECONDS: "1",
    });
    browser = await launchBrowser();
    const clinic = await apiClient(harness.service.url, "clinic");
    const created = await clinic.command("/api/referrals", {
      patientKind: "maternal",
      patient: { name: "王秀兰" },
      riskGrade: "red",
      urgency: "emergency",
      reasons: ["产前出血"],
      clinicalSummary: "孕34周阴道出血",
      fromInstitutionId: clinic.institutionId,
      requestedBy: "李医生",
      occurredAt: new Date().toISOString(),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });

  it("shows every read model ready and the chain intact, then the break as an alarm once the log is edited", async () => {
    const { page } = await openAs(browser, harness.service.url, "admin");
    await page.getByTestId("system-health").waitFor();
    const models = page.getByTestId("read-models");
    for (const name of ["board", "timeline", "completeness", "cases"])
      await expect
        .poll(() => models.locator(`tr[data-model="${name}"]`).textContent(), { timeout: 10_000 })
        .toContain("就绪");
    await expect
      .poll(() => page.getByTestId("integrity-state").textContent(), { timeout: 15_000 })
      .toContain("完整");
    expect(await page.getByTestId("store-state").textContent()).toContain("正常");

    const position = tamperWithFirstReferral(harness.dataDir, "孕34周", "孕30周");
    const alarm = page.getByTestId("integrity-break");
    await alarm.waitFor({ timeout: 20_000 });
    expect(await alarm.textContent()).toContain(`第 ${position} 位起异常：被修改`);
    expect(await page.getByTestId("integrity-state").textContent()).toContain("链条断裂");
    await screenshot(page, "admin-system-break");
  }, 60_000);
});
