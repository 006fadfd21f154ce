import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiClient, type Harness, startHarness } from "../../coordinator/test/harness.js";
import { cuttableProxy, hasChromium, launchBrowser, openAs, screenshot } from "./browser.js";

/** The dispatcher's board when the network drops: stale shown as stale, then exactly what was missed. */
describe.skipIf(!hasChromium)("board page: the WebSocket is cut and comes back", () => {
  let harness: Harness;
  let browser: Browser;
  let proxy: Awaited<ReturnType<typeof cuttableProxy>>;

  beforeAll(async () => {
    harness = await startHarness();
    proxy = await cuttableProxy(Number(new URL(harness.service.url).port));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await harness?.stop();
  });

  const raise = async (): Promise<string> => {
    const clinic = await apiClient(harness.service.url, "clinic");
    const answer = await clinic.command("/api/referrals", {
      patientKind: "maternal",
      patient: { name: "周晓燕" },
      riskGrade: "red",
      urgency: "emergency",
      reasons: ["产后出血"],
      clinicalSummary: "产后2小时出血800ml",
      fromInstitutionId: clinic.institutionId,
      requestedBy: "郑医生",
      occurredAt: new Date().toISOString(),
    });
    expect(answer.status).toBe(201);
    return `referral-${answer.body.id}`;
  };

  it("shows the stale state, reconnects from its last position and shows the events it missed", async () => {
    const { page } = await openAs(browser, proxy.url, "dispatcher");
    const state = page.getByTestId("connection-state");
    await expect.poll(() => state.getAttribute("data-state")).toBe("live");
    const first = await raise();
    await page.locator(`[data-testid="board-row"][data-item-id="${first}"]`).waitFor();

    proxy.cut();
    await expect.poll(() => state.getAttribute("data-state"), { timeout: 10_000 }).not.toBe("live");
    const missedA = await raise();
    const missedB = await raise();
    await screenshot(page, "board-connection-lost");
    expect(await page.locator(`[data-item-id="${missedA}"]`).count()).toBe(0);

    proxy.restore();
    await expect.poll(() => state.getAttribute("data-state"), { timeout: 30_000 }).toBe("live");
    await page.locator(`[data-testid="board-row"][data-item-id="${missedA}"]`).waitFor();
    await page.locator(`[data-testid="board-row"][data-item-id="${missedB}"]`).waitFor();
    expect(await page.locator(`[data-testid="board-row"][data-item-id="${first}"]`).count()).toBe(1);
    await screenshot(page, "board-reconnected");
  });

  it("speaks mtc.board.v2: a step change arrives as a patch of the row it holds, and the row shows it", async () => {
    const { page } = await openAs(browser, proxy.url, "dispatcher");
    const frames: string[] = [];
    page.on("websocket", (socket) => {
      socket.on("framereceived", (frame) => frames.push(String(frame.payload)));
    });
    await page.reload();
    const state = page.getByTestId("connection-state");
    await expect.poll(() => state.getAttribute("data-state")).toBe("live");
    const itemId = await raise();
    const row = page.locator(`[data-testid="board-row"][data-item-id="${itemId}"]`);
    await row.waitFor();
    expect(await row.getAttribute("data-step")).toBe("requested");

    const centre = await apiClient(harness.service.url, "centre");
    const accepted = await centre.command(`/api/referrals/${itemId.slice("referral-".length)}/accept`, {
      acceptedBy: "张主任",
      occurredAt: new Date().toISOString(),
    });
    expect(accepted.status).toBe(200);
    await expect.poll(() => row.getAttribute("data-step"), { timeout: 10_000 }).toBe("accepted");
    const patch = frames
      .flatMap((text) => {
        const message = JSON.parse(text) as { type: string; changes?: object[] };
        return message.type === "changes" ? (message.changes ?? []) : [message];
      })
      .find((change) => (change as { itemId?: string }).itemId === itemId && "patch" in change);
    expect(patch).toMatchObject({ patch: { step: "accepted" } });
    expect(patch).not.toHaveProperty("item");
  });
});
