import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from "testcontainers";
import { afterAll, beforeAll, describe } from "vitest";
import { describeEventStoreConformance } from "../conformance.js";
import { openEventStoreDbEventStore } from "./eventStoreDbEventStore.js";

const IMAGE = "eventstore/eventstore:24.10";
const HTTP_PORT = 2113;

type Target = { kind: "url"; connectionString: string } | { kind: "docker" } | { kind: "none" };

/** EVENTSTORE_URL wins; else a reachable Docker engine; else nothing (probing fails fast without a socket). */
async function findTarget(): Promise<Target> {
  const url = process.env.EVENTSTORE_URL;
  if (url) return { kind: "url", connectionString: url };
  try {
    await getContainerRuntimeClient();
    return { kind: "docker" };
  } catch {
    return { kind: "none" };
  }
}

const target = await findTarget();

if (target.kind === "none") {
  console.warn(
    "[eventstore conformance] EventStoreDB leg SKIPPED: no Docker engine reachable and EVENTSTORE_URL not set",
  );
  describe.skip("EventStoreDB adapter (skipped: no EventStoreDB available)", () => {
    describeEventStoreConformance("EventStoreDB", async () => {
      throw new Error("unreachable: skipped");
    });
  });
} else {
  describe("EventStoreDB adapter", () => {
    let container: StartedTestContainer | undefined;
    let connectionString = target.kind === "url" ? target.connectionString : "";

    beforeAll(async () => {
      if (target.kind !== "docker") return;
      container = await new GenericContainer(IMAGE)
        .withEnvironment({
          EVENTSTORE_INSECURE: "true",
          EVENTSTORE_MEM_DB: "true",
          EVENTSTORE_RUN_PROJECTIONS: "All",
          EVENTSTORE_START_STANDARD_PROJECTIONS: "true",
        })
        .withExposedPorts(HTTP_PORT)
        .withWaitStrategy(
          Wait.forAll([
            Wait.forListeningPorts(),
            Wait.forHttp("/health/live", HTTP_PORT).forStatusCodeMatching((status) => status < 300),
          ]),
        )
        .withStartupTimeout(120_000)
        .start();
      connectionString = `esdb://${container.getHost()}:${container.getMappedPort(HTTP_PORT)}?tls=false`;
    });

    afterAll(async () => {
      await container?.stop();
    });

    describeEventStoreConformance("EventStoreDB", async () => {
      const store = openEventStoreDbEventStore({ connectionString });
      return { store, cleanup: () => store.close() };
    });
  });
}
