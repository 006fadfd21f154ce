import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, apiClient, type Harness, startHarness } from "../../coordinator/test/harness.js";
import { hasChromium, launchBrowser, openAs, screenshot } from "./browser.js";

/** Issue 9 §5: the blood station's queue and its steps, in Chromium against the running service (000 §二十二). */
describe.skipIf(!hasChromium)("blood-station page", () => {
  let harness: Harness;
  let browser: Browser;
  let centre: ApiClient;
  let bloodId = "";
  let caseId = "";
  let transferId = "";

  beforeAll(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
    const county = await apiClient(harness.service.url, "county");
    centre = await apiClient(harness.service.url, "centre");
    const transfer = await county.command("/api/transfers", {
      patientKind: "maternal",
      patient: { name: "王秀兰" },
      riskGrade: "red",
      originInstitutionId: "qc_mch",
      destinationInstitutionId: "jc_mch_rescue_centre",
      veryCritical: true,
      clinicalSummary: "产后出血",
      requestedBy: "李医生",
      occurredAt: new Date().toISOString(),
    });
    expect(transfer.status).toBe(201);
    caseId = transfer.body.caseId;
    transferId = transfer.body.id;
    const request = await centre.command("/api/blood-requests", {
      caseId: transfer.body.caseId,
      transferId: transfer.body.id,
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
      occurredAt: new Date().toISOString(),
    });
    expect(request.status).toBe(201);
    bloodId = request.body.id;
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });

  it("R-BLD-2 the station acknowledges, issues, packs, hands over and delivers 4 U red cells + 400 mL plasma, O RhD+", async () => {
    const { page } = await openAs(browser, harness.service.url, "bloodstation");
    const row = page.locator(`[data-testid="blood-row"][data-request="${bloodId}"]`);
    await row.waitFor();
    expect(await row.getByTestId("blood-products").textContent()).toContain("悬浮红细胞 4 U");
    expect(await row.getByTestId("blood-products").textContent()).toContain("新鲜冰冻血浆 400 mL");
    expect(await row.getByTestId("blood-progress").textContent()).toBe("待接收");

    const step = async (action: string, fill: () => Promise<void>, progress: string) => {
      await row.getByTestId(`blood-action-${action}`).click();
      const dialog = page.getByTestId("blood-dialog");
      await dialog.waitFor();
      await fill();
      await dialog.getByTestId("blood-submit").click();
      await dialog.waitFor({ state: "detached" });
      await expect.poll(() => row.getByTestId("blood-progress").textContent()).toBe(progress);
    };
    // Keyboard-friendly: the dialog opens with the focus in its first field, so the name is typed straight in.
    await step(
      "acknowledge",
      async () => {
        await page.keyboard.type("值班员王");
      },
      "已接收",
    );
    await step("issue", () => page.getByTestId("blood-person").fill("发血员刘"), "已出库");
    await step("pack", () => page.getByTestId("blood-person").fill("发血员刘"), "已出库");
    await step(
      "hand-over",
      async () => {
        await page.getByTestId("handover-vehicle").fill("血站送血车 川A1234");
        await page.getByTestId("handover-carrier").fill("司机陈");
        await page.getByTestId("blood-person").fill("发血员刘");
      },
      "运送中",
    );
    await step(
      "delivered",
      async () => {
        await page.getByTestId("delivered-temperature-red_cells").fill("4");
        await page.getByTestId("delivered-temperature-plasma").fill("-25");
        await page.getByTestId("blood-person").fill("护士长周");
      },
      "已送达",
    );
    await screenshot(page, "blood-station-delivered");

    const record = await centre.get(`/api/blood-requests/${bloodId}`);
    expect(record.body.progress).toBe("delivered");
    expect(record.body.acknowledged.by).toBe("值班员王");
    expect(record.body.consignments[0].delivered.by).toBe("护士长周");
    expect(record.body.totals).toEqual({
      red_cells: { unit: "U", requested: 4, issued: 4, delivered: 4 },
      plasma: { unit: "mL", requested: 400, issued: 400, delivered: 400 },
    });
  }, 60_000);

  it("R-BLD-2 the auditor's case view shows the blood section: each milestone against its target", async () => {
    const { page } = await openAs(browser, harness.service.url, "auditor");
    await page.getByTestId("field-caseId").fill(caseId);
    await page.getByTestId("search-submit").click();
    await page.locator(`[data-testid="case-result"][data-case-id="${caseId}"]`).click();
    const section = page.getByTestId("blood-section");
    await section.waitFor();
    const delivered = section.locator(`[data-request="${bloodId}"] li[data-milestone="delivered"]`);
    await expect.poll(() => delivered.textContent()).toContain("达标");
    expect(await section.textContent()).toContain("悬浮红细胞 4 U");
    // The timeline names the blood events' fields in words: products with their group, the cold chain.
    const timeline = await page.getByTestId("case-view").textContent();
    expect(timeline).toContain("悬浮红细胞 4 U O型 RhD阳性");
    expect(timeline).toContain("新鲜冰冻血浆 -25 °C");
    await screenshot(page, "blood-auditor-section");
  }, 60_000);

  it("R-BLD-2 the dispatcher's board shows the case's blood status beside its transfer", async () => {
    const { page } = await openAs(browser, harness.service.url, "dispatcher");
    const blood = page.locator(
      `[data-testid="board-row"][data-item-id="transfer-${transferId}"] [data-testid="board-blood"]`,
    );
    await blood.waitFor();
    expect(await blood.getAttribute("data-blood")).toBe("delivered");
    expect(await blood.textContent()).toContain("用血：已送达");
  }, 60_000);

  it("R-BLD-1 the hospital reports its blood need from its page and confirms the delivery with the cold chain", async () => {
    const { page } = await openAs(browser, harness.service.url, "centre");
    await page.getByTestId("tab-hospitalBlood").click();
    const form = page.getByTestId("blood-request-form");
    await form.waitFor();
    await page.getByTestId("blood-case").fill(caseId);
    await page.getByTestId("blood-abo").selectOption("O");
    await page.getByTestId("blood-rhd").selectOption("positive");
    await page.getByTestId("blood-qty-red_cells").fill("2");
    await page.getByTestId("blood-qty-plasma").fill("200");
    await page.getByTestId("blood-place").fill("产房2号手术间");
    await page.getByTestId("blood-request-submit").click();
    const sent = await page.getByTestId("blood-request-sent").textContent();
    const id = /B[A-Za-z0-9]{14}/.exec(sent ?? "")?.[0] ?? "";
    expect(id).not.toBe("");
    const row = page.locator(`[data-testid="hospital-blood-row"][data-request="${id}"]`);
    await expect.poll(() => row.getByTestId("blood-progress").textContent()).toBe("待接收");

    const station = await apiClient(harness.service.url, "bloodstation");
    const now = () => new Date().toISOString();
    for (const [path, body] of [
      ["acknowledge", { acknowledgedBy: "值班员王" }],
      [
        "issue",
        {
          items: [
            { product: "red_cells", unit: "U", quantity: 2, group: { abo: "O", rhD: "positive" } },
            { product: "plasma", unit: "mL", quantity: 200, group: { abo: "O", rhD: "positive" } },
          ],
          issuedBy: "发血员刘",
        },
      ],
      ["pack", { packedBy: "发血员刘" }],
      [
        "hand-over",
        { transport: "hospital_fetch", vehicle: "医院取血车", carriedBy: "护工孙", handedOverBy: "发血员刘" },
      ],
    ] as const) {
      const answer = await station.command(`/api/blood-requests/${id}/${path}`, {
        ...body,
        occurredAt: now(),
      });
      expect(answer.status).toBe(200);
    }
    await expect
      .poll(() => row.getByTestId("blood-progress").textContent(), { timeout: 10_000 })
      .toBe("运送中");
    await row.getByTestId("hospital-blood-delivered").click();
    const dialog = page.getByTestId("hospital-blood-dialog");
    await dialog.locator('input[type="number"]').nth(0).fill("5");
    await dialog.locator('input[type="number"]').nth(1).fill("-20");
    await page.getByTestId("hospital-blood-submit").click();
    await expect.poll(() => row.getByTestId("blood-progress").textContent()).toBe("已送达");
    await screenshot(page, "blood-hospital-delivered");
  }, 60_000);
});
