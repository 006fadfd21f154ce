import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { newEvent } from "../conformance.js";
import { StoreUnavailableError } from "../port.js";
import { openEventStoreDbEventStore } from "./eventStoreDbEventStore.js";

/** A loopback port that was free a moment ago and on which nothing listens now. */
const closedPort = async (): Promise<number> => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
};

const expectUnreachable = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreUnavailableError);
  expect((error as StoreUnavailableError).reason).toBe("unreachable");
  expect((error as StoreUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
};

describe("EventStoreDB unreachable (closed 127.0.0.1 port)", () => {
  it("every operation rejects with StoreUnavailableError(unreachable), the subscription's start included", async () => {
    const store = openEventStoreDbEventStore({
      connectionString: `esdb://127.0.0.1:${await closedPort()}?tls=false`,
    });
    await expectUnreachable(store.append("referral-1", [newEvent("ReferralRequested")], "no_stream"));
    await expectUnreachable(
      (async () => {
        for await (const _ of store.readStream("referral-1")) break;
      })(),
    );
    await expectUnreachable(store.readAll());
    await expectUnreachable(store.headPosition());
    await expectUnreachable(store.probe());
    const subscription = store.subscribeAll({ onEvent: () => undefined });
    await expectUnreachable(subscription.done);
    await store.close();
  });
});
