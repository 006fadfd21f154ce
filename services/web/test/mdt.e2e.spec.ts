/// <reference lib="dom" />
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, type Harness, startHarness } from "../../coordinator/test/harness.js";
import { hasChromium, launchBrowser, openAs, screenshot } from "./browser.js";

/**
 * Medical affairs runs an MDT from its page (000 §十六): the centre's obstetrics department has opened the green
 * channel and asked for activation over the API; medical affairs activates, calls the OB lead and two
 * associate-chief specialists with one tap each, records their arrival, appoints the lead as leader and
 * records five standby acknowledgements, all by keyboard and mouse in a real Chromium.
 */
describe.skipIf(!hasChromium)("medical-affairs page: MDT activation", () => {
  let harness: Harness;
  let browser: Browser;
  let mdtId = "";
  let caseId = "";
  let transferId = "";

  beforeAll(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    const url = harness.service.url;
    const county = await apiClient(url, "county");
    const centre = await apiClient(url, "centre");
    const now = () => new Date().toISOString();
    const transfer = await county.command("/api/transfers", {
      patientKind: "maternal",
      patient: { name: "王秀兰" },
      riskGrade: "red",
      originInstitutionId: county.institutionId,
      destinationInstitutionId: centre.institutionId,
      veryCritical: true,
      clinicalSummary: "产后出血",
      requestedBy: "李医生",
      occurredAt: now(),
    });
    expect(transfer.status).toBe(201);
    caseId = transfer.body.caseId;
    transferId = transfer.body.id;
    const opened = await centre.command("/api/mdt", {
      caseId: transfer.body.caseId,
      transferId: transfer.body.id,
      institutionId: centre.institutionId,
      department: "产科",
      openedBy: "张医生",
      reportedTo: "王主任",
      occurredAt: now(),
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    mdtId = opened.body.id;
    const requested = await centre.command(`/api/mdt/${mdtId}/request`, {
      judgement: { riskGrade: "red", lifeThreatening: true, condition: "postpartum_haemorrhage" },
      reason: "产后出血 2000 mL，休克",
      requestedBy: "王主任",
      occurredAt: now(),
    });
    expect(requested.status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });

  const call = async (page: Page, card: string, person: string, rank: string, department: string) => {
    await page.locator(`${card} [data-testid="call-person"]`).fill(person);
    await page.locator(`${card} [data-testid="call-rank"]`).selectOption(rank);
    await page.locator(`${card} [data-testid="call-${department}"]`).click();
    await page.locator(`${card} tr[data-person="${person}"]`).waitFor();
  };

  it("R-MDT-2 R-MDT-3 activate, call, arrive, appoint a leader and five standby acknowledgements", async () => {
    const { page } = await openAs(browser, harness.service.url, "medaffairs");
    const card = `[data-testid="mdt-${mdtId}"]`;
    await page.locator(card).waitFor();
    expect(await page.locator(`${card} [data-testid="mdt-status"]`).textContent()).toBe("待医务科启动");
    // Keyboard: the activation button takes focus and Enter presses it.
    await page.locator(`${card} [data-testid="mdt-activate"]`).focus();
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator(`${card} [data-testid="mdt-status"]`).textContent()).toBe("已启动");

    await call(page, card, "赵主任", "chief", "obstetrics");
    await call(page, card, "孙主任", "associate_chief", "icu");
    await call(page, card, "周主任", "chief", "haematology");

    // Below associate chief, without a reason: refused in words, nothing called.
    await page.locator(`${card} [data-testid="call-person"]`).fill("钱医生");
    await page.locator(`${card} [data-testid="call-rank"]`).selectOption("attending");
    await page.locator(`${card} [data-testid="call-cardiology"]`).click();
    await expect
      .poll(() => page.locator(`${card} [data-testid="mdt-error"]`).textContent())
      .toContain("副主任医师");
    expect(await page.locator(`${card} tr[data-person="钱医生"]`).count()).toBe(0);

    for (const person of ["赵主任", "孙主任", "周主任"]) {
      await page.locator(`${card} tr[data-person="${person}"] [data-testid="arrived"]`).click();
      await page
        .locator(`${card} tr[data-person="${person}"] [data-testid="arrived"]`)
        .waitFor({ state: "detached" });
    }
    await page.locator(`${card} tr[data-person="赵主任"] [data-testid="appoint-leader"]`).click();
    await page.locator(`${card} tr[data-person="赵主任"] [data-testid="leader-mark"]`).waitFor();

    await page.locator(`${card} [data-testid="standby-all"]`).click();
    for (const service of ["lab", "imaging", "transfusion", "theatre", "anaesthesia"]) {
      await page.locator(`${card} [data-testid="ack-${service}"]`).click();
      await page.locator(`${card} li[data-service="${service}"] [data-testid="acknowledged"]`).waitFor();
    }
    expect(await page.locator(`${card} [data-testid="acknowledged"]`).count()).toBe(5);
    await screenshot(page, "mdt-medaffairs");

    // The page shows what the service holds.
    const medaffairs = await apiClient(harness.service.url, "medaffairs");
    const view = (await medaffairs.get(`/api/mdt/${mdtId}`)).body;
    expect(view).toMatchObject({
      status: "activated",
      leader: { person: "赵主任" },
      rule: {
        leadOnScene: true,
        countingSpecialistsOnScene: 2,
        leaderAppointed: true,
        standbyAcknowledged: 5,
      },
    });

    await page.locator(`${card} [data-testid="fully-staffed"]`).click();
    await expect
      .poll(() => page.locator(`${card} [data-testid="mdt-status"]`).textContent())
      .toBe("人员已到齐");

    // The dispatch board shows the case's MDT status beside its transfer.
    const dispatcher = (await openAs(browser, harness.service.url, "dispatcher")).page;
    const row = dispatcher.locator(`[data-testid="board-row"][data-item-id="transfer-${transferId}"]`);
    await expect.poll(() => row.getByTestId("mdt-status").textContent()).toBe("MDT：人员已到齐");

    // R-MDT-7: the auditor finds the MDT in the case's timeline and its completeness section, with times.
    const auditor = (await openAs(browser, harness.service.url, "auditor")).page;
    await auditor.getByTestId("field-caseId").fill(caseId);
    await auditor.getByTestId("search-submit").click();
    await auditor.locator(`[data-testid="case-result"][data-case-id="${caseId}"]`).click();
    await auditor.getByTestId("case-view").waitFor();
    const types = await auditor
      .getByTestId("timeline-entry")
      .evaluateAll((els) => els.map((e) => e.getAttribute("data-type")));
    expect(types.filter((type) => type === "StandbyAcknowledged")).toHaveLength(5);
    expect(types).toContain("MdtFullyStaffed");
    const section = auditor.locator(`[data-testid="mdt-section-item"][data-mdt-id="${mdtId}"]`);
    await section.waitFor();
    expect(await section.locator('[data-testid="mdt-section-call"]').count()).toBe(3);
    expect(await section.getByTestId("mdt-rule").textContent()).toContain("副主任及以上专家到场 2 人");
    await screenshot(auditor, "mdt-auditor-section");
  }, 90_000);

  it("R-MDT-4 pre-activation from an incoming transfer: the AFE banner runs until the hospital's head is on scene", async () => {
    const url = harness.service.url;
    const county = await apiClient(url, "county");
    const transfer = await county.command("/api/transfers", {
      patientKind: "maternal",
      patient: { name: "李春梅" },
      riskGrade: "red",
      originInstitutionId: county.institutionId,
      destinationInstitutionId: (await apiClient(url, "centre")).institutionId,
      veryCritical: true,
      clinicalSummary: "分娩后突发呼吸困难、低血压",
      requestedBy: "李医生",
      occurredAt: new Date().toISOString(),
    });
    expect(transfer.status).toBe(201);
    const { page } = await openAs(browser, url, "medaffairs");
    const row = page.locator(
      `[data-testid="incoming-transfer"][data-item-id="transfer-${transfer.body.id}"]`,
    );
    await row.getByTestId("pre-activate-open").click();
    await row.getByTestId("pre-activate-condition").selectOption("amniotic_fluid_embolism");
    await row.getByTestId("pre-activate-reason").fill("疑似羊水栓塞");
    await row.getByTestId("pre-activate-reason").press("Enter");
    await row.waitFor({ state: "detached" });

    const card = page.locator('[data-testid^="mdt-M"]').filter({ hasText: "羊水栓塞" });
    const banner = card.getByTestId("afe-banner");
    await expect.poll(() => banner.textContent()).toContain("必须到场");
    expect(await banner.getAttribute("role")).toBe("alert");
    await card.getByTestId("call-person").fill("吴副院长");
    await card.getByTestId("call-head").click();
    await card.locator('tr[data-person="吴副院长"] [data-testid="arrived"]').click();
    await expect.poll(() => banner.textContent()).toContain("已到场");
    await screenshot(page, "mdt-afe-banner");

    // R-MDT-5: experts asked through the health administration, their answer and arrival.
    await card.getByTestId("upper-target").selectOption("health_administration");
    await card.getByTestId("upper-reason").fill("需省级产科及 ICU 专家");
    await card.getByTestId("upper-request").click();
    await card.getByTestId("upper-answer").fill("省妇幼派专家");
    await card.getByTestId("upper-experts").fill("郑教授，冯教授");
    await card.getByTestId("upper-answer-record").click();
    await card.getByTestId("upper-arrived").first().click();
    await expect.poll(() => card.getByTestId("mdt-upper").textContent()).toContain("郑教授");
    await expect.poll(() => card.getByTestId("upper-arrived").count()).toBe(1);
  }, 90_000);

  it("R-MDT-6 orange without danger to life: the page shows the refusal and arranges a department consultation", async () => {
    const centre = await apiClient(harness.service.url, "centre");
    const opened = await centre.command("/api/mdt", {
      caseId,
      institutionId: centre.institutionId,
      department: "产科",
      openedBy: "张医生",
      reportedTo: "王主任",
      occurredAt: new Date().toISOString(),
    });
    expect(opened.status).toBe(201);
    const requested = await centre.command(`/api/mdt/${opened.body.id}/request`, {
      judgement: { riskGrade: "orange", lifeThreatening: false, condition: "heart_failure" },
      reason: "妊娠合并心脏病，心功能 II 级",
      requestedBy: "王主任",
      occurredAt: new Date().toISOString(),
    });
    expect(requested.status).toBe(200);
    const { page } = await openAs(browser, harness.service.url, "medaffairs");
    const card = `[data-testid="mdt-${opened.body.id}"]`;
    await page.locator(`${card} [data-testid="mdt-activate"]`).click();
    await expect
      .poll(() => page.locator(`${card} [data-testid="mdt-error"]`).textContent())
      .toContain("会诊");
    await page.locator(`${card} [data-testid="consult-cardiology"]`).check();
    await page.locator(`${card} [data-testid="arrange-consultation"]`).click();
    await expect
      .poll(() => page.locator(`${card} [data-testid="mdt-status"]`).textContent())
      .toBe("科室会诊");
  }, 90_000);
});
