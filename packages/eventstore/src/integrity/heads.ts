import type { KeyObject } from "node:crypto";
import type { EventStore, NewEvent } from "../port.js";
import { HEAD_SIGNED, HEADS_STREAM, type SignedHead, signHead } from "./signedHead.js";

/** The last event the global chain covers, or undefined for an empty (or not yet chained) log. */
export async function chainTip(
  store: Pick<EventStore, "readChain" | "headPosition">,
): Promise<{ position: number; globalHash: string } | undefined> {
  const head = await store.headPosition();
  if (head < 0) return undefined;
  // On EventStoreDB the last event carries its global link only once the chainer reached it: until then, none.
  const page = await store.readChain({ after: Math.max(-1, head - 1), maxCount: 1 });
  const tip = page.at(-1);
  return tip?.globalHash ? { position: tip.position, globalHash: tip.globalHash } : undefined;
}

/** Signs the chain's current tip; undefined when there is nothing to sign. */
export async function signChainTip(
  store: Pick<EventStore, "readChain" | "headPosition">,
  privateKey: KeyObject,
  now: Date,
): Promise<SignedHead | undefined> {
  const tip = await chainTip(store);
  return tip && signHead({ ...tip, signedAt: now.toISOString() }, privateKey);
}

/** The signed head as an event of the `integrity-heads` stream, so that the chain covers it too. */
export function signedHeadEvent(head: SignedHead, id: string, occurredAt: string): NewEvent {
  return {
    id,
    type: HEAD_SIGNED,
    data: head,
    metadata: {
      actor: { userId: "system", role: "system" },
      caseId: HEADS_STREAM,
      causationId: id,
      commandId: id,
      occurredAt,
      schemaVersion: 1,
    },
  };
}
