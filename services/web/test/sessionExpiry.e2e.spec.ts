import { describe, expect, it } from "vitest";
import { hasChromium, openAs, pagesOnService, screenshot } from "./browser.js";

/** The board page when its token runs out while the board is open: the feed closes it with 4401. */
describe.skipIf(!hasChromium)("board page: the token expires while the board is open", () => {
  const env = pagesOnService();

  it("goes back to the login page and says the session expired", async () => {
    const { page } = await openAs(env.browser, env.harness.service.url, "dispatcher");
    // The same user, with a token that lives three seconds, signed by the service (demo tokens live 12 hours).
    const short = env.harness.service.app.jwt.sign(
      { sub: "dispatcher", name: "120 调度员", role: "dispatcher" },
      { expiresIn: "3s" },
    );
    await page.evaluate((token) => {
      const saved = JSON.parse(sessionStorage.getItem("mtc.session") ?? "{}");
      sessionStorage.setItem("mtc.session", JSON.stringify({ ...saved, token }));
    }, short);
    await page.reload();
    const state = page.getByTestId("connection-state");
    await expect.poll(() => state.getAttribute("data-state"), { timeout: 10_000 }).toBe("live");

    const notice = page.getByTestId("login-notice");
    await notice.waitFor({ timeout: 15_000 });
    expect(await notice.textContent()).toContain("登录已过期");
    expect(await page.getByTestId("login-username").isVisible()).toBe(true);
    await screenshot(page, "board-session-expired");
  }, 40_000);
});
