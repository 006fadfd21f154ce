import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { connect, createServer, type Server, type Socket } from "node:net";
import path from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { DEMO_PASSWORD } from "../../coordinator/src/auth/users.js";
import { type Harness, startHarness } from "../../coordinator/test/harness.js";

/** Debian's Chromium (scripts/setup-browser.sh installs it); the tests never download a browser. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(
    `[browser tests] SKIPPED: no Chromium at ${CHROMIUM} (install Debian's 'chromium' or set CHROMIUM_PATH)`,
  );
}

/** Fills form fields by their `field-<path>` test ids inside `scope` (a selector, or "" for the page): chooses in selects, types elsewhere. */
export const fillFields = async (
  page: Page,
  scope: string,
  fields: Record<string, string>,
): Promise<void> => {
  for (const [fieldPath, value] of Object.entries(fields)) {
    const field = page.locator(`${scope} [data-testid="field-${fieldPath}"]`.trim()).first();
    const tag = await field.evaluate((el) => el.tagName.toLowerCase());
    if (tag === "select") await field.selectOption(value);
    else await field.fill(value);
  }
};

export const SCREENSHOTS = path.resolve(import.meta.dirname, "../../../artifacts/screenshots");

export const launchBrowser = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    // Flags for a closed network and a root user: no background calls home, no sandbox.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });

/** A logged-in user in a browser context of its own. */
export const openAs = async (
  browser: Browser,
  baseUrl: string,
  username: string,
): Promise<{ context: BrowserContext; page: Page }> => {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: "zh-CN" });
  const page = await context.newPage();
  page.on("pageerror", (error) => {
    throw new Error(`page error for ${username}: ${error.message}`);
  });
  await page.goto(baseUrl);
  await page.getByTestId("login-username").fill(username);
  await page.getByTestId("login-password").fill(DEMO_PASSWORD);
  await page.getByTestId("login-submit").click();
  await page.getByTestId("who").waitFor();
  return { context, page };
};

export const screenshot = async (page: Page, name: string): Promise<void> => {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
};

/**
 * A loopback TCP proxy in front of the service: the page talks to the service through it, and a test can cut
 * every connection (and refuse new ones) to see how the page behaves when the network drops.
 */
export const cuttableProxy = async (targetPort: number) => {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, "127.0.0.1");
    sockets.add(client);
    sockets.add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      open = false;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore: () => {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
};

/**
 * The real service (demo accounts, its own data directory) and one Chromium for the tests of a describe block:
 * started before them, stopped after.
 */
export const pagesOnService = (): { readonly harness: Harness; readonly browser: Browser } => {
  let harness: Harness | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    harness = await startHarness();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.stop();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("the service and browser start in beforeAll");
    return value;
  };
  return {
    get harness() {
      return started(harness);
    },
    get browser() {
      return started(browser);
    },
  };
};
