import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./harness.js";

describe("OpenAPI document", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => harness?.stop());

  it("is generated from the zod schemas and served at /docs/json", async () => {
    const response = await fetch(`${harness.service.url}/docs/json`);
    expect(response.status).toBe(200);
    const doc = (await response.json()) as {
      paths: Record<string, Record<string, { requestBody?: unknown }>>;
    };
    for (const path of [
      "/api/referrals",
      "/api/transfers/{id}/departure",
      "/api/transfers/{id}/handover",
      "/api/board",
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
    const departure = JSON.stringify(doc.paths["/api/transfers/{id}/departure"]?.post?.requestBody);
    expect(departure).toContain("vitalSigns");
    expect(departure).toContain("escorts");
  });
});
