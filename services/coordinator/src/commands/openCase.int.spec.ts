import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ReferenceData, referenceLookup, systemClock } from "@mtc/domain";
import { type EventStore, openSqliteEventStore } from "@mtc/eventstore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../auth/roles.js";
import { type CommandContext, commandBus } from "./commandBus.js";

const clinic: Principal = {
  userId: "clinic",
  displayName: "石桥镇卫生院",
  role: "hospital_staff",
  institutionId: "qc_shiqiao_thc",
};
const context = (key: string): CommandContext => ({
  principal: clinic,
  idempotencyKey: key,
  requestHash: key,
});
const opening = { institutionId: clinic.institutionId, occurredAt: "2026-03-01T08:00:00.000Z" };

/** Case ids are claimed in the log (issue 8 finding 1): never handed out twice, stable for a retried command. */
describe("opening a case claims its id in the log", () => {
  let dir: string;
  let store: EventStore;
  let bus: ReturnType<typeof commandBus>;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), "mtc-open-case-"));
    store = openSqliteEventStore({ path: path.join(dir, "events.db") });
    const reference = referenceLookup(
      ReferenceData.parse({
        region: { id: "jc", code: "JC", name: "江川市", timeZone: "Asia/Shanghai" },
        institutions: [],
        ambulances: [],
        zones: [],
      }),
    );
    bus = commandBus({ store, reference: () => reference, clock: systemClock });
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("skips an id another case holds instead of joining it, and a retry gets the id it got the first time", async () => {
    const first = await bus.openCase(
      context("key-first-0001"),
      (attempt) => `JC-2026-AAAAA${attempt}`,
      opening,
    );
    expect(first).toBe("JC-2026-AAAAA0");
    const second = await bus.openCase(
      context("key-second-001"),
      (attempt) => `JC-2026-AAAAA${attempt}`,
      opening,
    );
    expect(second).toBe("JC-2026-AAAAA1");
    const retried = await bus.openCase(
      context("key-first-0001"),
      (attempt) => `JC-2026-AAAAA${attempt}`,
      opening,
    );
    expect(retried).toBe(first);
    const claims = await store.readAll({ categories: ["case"] });
    expect(claims.map((e) => [e.streamId, e.type])).toEqual([
      ["case-JC-2026-AAAAA0", "CaseOpened"],
      ["case-JC-2026-AAAAA1", "CaseOpened"],
    ]);
    expect(claims[0]?.data).toEqual({
      caseId: first,
      openedBy: "qc_shiqiao_thc",
      occurredAt: opening.occurredAt,
    });
  });
});
