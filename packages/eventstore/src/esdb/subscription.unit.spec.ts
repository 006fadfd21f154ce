import { EventEmitter } from "node:events";
import type { EventStoreDBClient, ResolvedEvent } from "@eventstore/db-client";
import { describe, expect, it } from "vitest";
import { newEvent } from "../conformance.js";
import { startEsdbSubscription, UnreadableEventError } from "./subscription.js";

/**
 * The subscription loop's failure rules, without a server (none is reachable here; the conformance suite's
 * EventStoreDB leg covers the happy paths where one is). A scripted `subscribeToAll` stands in for the client.
 */
type Step = { event: ResolvedEvent } | { fail: Error } | { hang: true };

const resolved = (commit: number, metadata: unknown): ResolvedEvent => ({
  event: {
    streamId: "referral-r1",
    id: "5b0f1b9e-0000-4000-8000-000000000001",
    isJson: false as const,
    revision: BigInt(commit),
    type: "ReferralRequested",
    created: new Date("2024-05-01T00:00:00Z"),
    data: Buffer.from("{}"),
    metadata: Buffer.from(typeof metadata === "string" ? metadata : JSON.stringify(metadata)),
    position: { commit: BigInt(commit), prepare: BigInt(commit) },
  },
  commitPosition: BigInt(commit),
});

const scriptedClient = (runs: Step[][]) => {
  let run = 0;
  const client = {
    subscribeToAll: () => {
      const steps = runs[Math.min(run++, runs.length - 1)] ?? [];
      const emitter = new EventEmitter();
      let stopped = false;
      return Object.assign(emitter, {
        readableLength: 0,
        unsubscribe: async () => {
          stopped = true;
        },
        async *[Symbol.asyncIterator]() {
          for (const step of steps) {
            if (stopped) return;
            if ("fail" in step) throw step.fail;
            if ("hang" in step) {
              while (!stopped) await new Promise((r) => setTimeout(r, 5));
              return;
            }
            yield step.event;
          }
        },
      });
    },
    subscriptions: () => run,
  };
  return client;
};

const metadata = newEvent("ReferralRequested").metadata;

describe("EventStoreDB subscription loop", () => {
  it("ends for good (done rejects) on an event it cannot read, instead of resubscribing forever", async () => {
    const client = scriptedClient([
      [{ event: resolved(10, metadata) }, { event: resolved(20, "{not json") }],
    ]);
    const seen: number[] = [];
    const subscription = startEsdbSubscription(
      client as unknown as EventStoreDBClient,
      { after: -1, onEvent: (e) => void seen.push(e.position) },
      async () => 20,
    );
    await expect(subscription.done).rejects.toBeInstanceOf(UnreadableEventError);
    await expect(subscription.done).rejects.toThrow(/position 20/);
    expect(seen).toEqual([10]);
    expect(client.subscriptions()).toBe(1);
  });

  it("reports a dropped connection through onRetry and resumes after the last handled position", async () => {
    const client = scriptedClient([
      [{ event: resolved(10, metadata) }, { fail: new Error("connection reset") }],
      [{ event: resolved(10, metadata) }, { event: resolved(30, metadata) }, { hang: true }],
    ]);
    const seen: number[] = [];
    const retries: string[] = [];
    const subscription = startEsdbSubscription(
      client as unknown as EventStoreDBClient,
      {
        after: -1,
        onEvent: (e) => void seen.push(e.position),
        onRetry: (error, delay) => retries.push(`${(error as Error).message} in ${delay} ms`),
      },
      async () => 30,
    );
    await expect.poll(() => seen).toEqual([10, 30]);
    expect(retries).toEqual(["connection reset in 200 ms"]);
    await subscription.close();
    await expect(subscription.done).resolves.toBeUndefined();
  });

  it("ends for good when the handler fails, without retrying", async () => {
    const client = scriptedClient([[{ event: resolved(10, metadata) }, { hang: true }]]);
    const retries: unknown[] = [];
    const subscription = startEsdbSubscription(
      client as unknown as EventStoreDBClient,
      {
        after: -1,
        onEvent: () => {
          throw new Error("projection cannot take it");
        },
        onRetry: (error) => retries.push(error),
      },
      async () => 10,
    );
    await expect(subscription.done).rejects.toThrow("projection cannot take it");
    expect(retries).toEqual([]);
  });
});
