import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_DIST } from "../src/routes/webPages.js";
import { type Harness, startHarness } from "./harness.js";

describe("web pages", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => harness?.stop());

  it("are served from the same origin without a token, while the API still needs one", async () => {
    expect(
      existsSync(path.join(WEB_DIST, "index.html")),
      "run `pnpm build:web` (scripts/setup.sh does)",
    ).toBe(true);
    const page = await fetch(`${harness.service.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('<div id="app">');
    expect((await fetch(`${harness.service.url}/api/board`)).status).toBe(401);
  });
});
