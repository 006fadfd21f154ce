import { describe, expect, it } from "vitest";
import { apiClient } from "../../coordinator/test/harness.js";
import { hasChromium, openAs, pagesOnService, screenshot } from "./browser.js";

/** Bad input is shown beside the field; the API's refusals are shown in words, never a blank page. */
describe.skipIf(!hasChromium)("forms: errors beside the fields and refusals in words", () => {
  const env = pagesOnService();

  it("an invalid ID-card number, phone, gestational weeks and a hidden character are shown beside their fields and nothing is sent", async () => {
    const { page } = await openAs(env.browser, env.harness.service.url, "clinic");
    await page.getByTestId("action-new-referral").click();
    const form = page.getByTestId("referral-form");
    expect(await form.getByTestId("field-caseId").count()).toBe(0);
    // A right-to-left override in the name: the API's text rule (rules.ts), checked by the page as well.
    await form.getByTestId("field-patient.name").fill("孙\u202e丽");
    await form.getByTestId("field-clinicalSummary").fill("孕30周");
    await form.getByTestId("field-patient.idCardNumber").fill("110105194912310021");
    await form.getByTestId("field-patient.phone").fill("12345");
    await form.getByTestId("field-gestationalWeeks").fill("52");
    await form.locator('[type="submit"]').click();
    for (const path of ["patient.idCardNumber", "patient.phone", "gestationalWeeks", "patient.name"]) {
      await expect.poll(() => form.getByTestId(`error-${path}`).textContent()).not.toBe("");
    }
    expect(await form.getByTestId("error-patient.name").textContent()).toContain("U+202E");
    await screenshot(page, "forms-errors-beside-fields");
    const cases = await (await apiClient(env.harness.service.url, "auditor")).get("/api/cases");
    expect(cases.body.cases).toEqual([]);
  });

  it("a step the record no longer allows is refused by the API, and the page says why in words", async () => {
    const clinic = await apiClient(env.harness.service.url, "clinic");
    const created = await clinic.command("/api/referrals", {
      patientKind: "maternal",
      patient: { name: "钱芳" },
      riskGrade: "yellow",
      urgency: "routine",
      reasons: ["妊娠期糖尿病"],
      clinicalSummary: "血糖控制不佳",
      fromInstitutionId: clinic.institutionId,
      requestedBy: "冯医生",
      occurredAt: new Date().toISOString(),
    });
    expect(created.status).toBe(201);
    const { page } = await openAs(env.browser, env.harness.service.url, "centre");
    const row = page.locator(`[data-testid="inbox-row"][data-item-id="referral-${created.body.id}"]`);
    await row.getByTestId("action-accept").click();
    await page.getByTestId("field-acceptedBy").fill("张主任");
    // Meanwhile the sending clinic cancels the referral.
    const cancelled = await clinic.command(`/api/referrals/${created.body.id}/cancel`, {
      cancelledBy: "冯医生",
      reason: "患者已自行前往上级医院",
      occurredAt: new Date().toISOString(),
    });
    expect(cancelled.status).toBe(200);
    await page.getByTestId("form-submit").click();
    const error = page.getByTestId("form-error");
    await error.waitFor();
    const text = (await error.textContent()) ?? "";
    expect(text).toContain("转诊已取消");
    expect(text).not.toMatch(/errors\.\d+/);
    await screenshot(page, "forms-refusal-in-words");
  });
});
