import {
  type EventStoreDBClient,
  jsonEvent,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from "@eventstore/db-client";
import type { AppendResult } from "../port.js";

/**
 * Event ids are unique across the whole log in the embedded store (a UNIQUE index). EventStoreDB checks ids only
 * per stream and only best-effort, so every append first claims its first event id in a stream of its own,
 * `idclaim-<eventId>`, and records its result there once written. A retried command is then answered with one
 * read, whatever the length of its stream, and an id reused in another stream is refused as in the embedded
 * store. Ids are derived from the command id (`<commandId>:<index>`), so the first id stands for the command.
 * The adapter hides the `idclaim` category from every read (see mapping.ts).
 */
export const CLAIM_CATEGORY = "idclaim";
const CLAIMED = "AppendClaimed";
const COMPLETED = "AppendCompleted";

export interface Claim {
  streamId: string;
  /** Set once the append was written: its result and the ids it wrote. */
  completed?: { result: AppendResult; eventIds: string[] };
}

const claimStream = (eventId: string) => `${CLAIM_CATEGORY}-${eventId}`;

export async function readClaim(client: EventStoreDBClient, eventId: string): Promise<Claim | undefined> {
  let claim: Claim | undefined;
  try {
    for await (const resolved of client.readStream(claimStream(eventId), { maxCount: 10 })) {
      const event = resolved.event;
      if (!event) continue;
      const data = event.data as Record<string, unknown>;
      if (event.type === CLAIMED) claim = { streamId: String(data.streamId) };
      if (event.type === COMPLETED && claim) {
        claim.completed = {
          result: {
            nextExpectedRevision: Number(data.nextExpectedRevision),
            position: Number(data.position),
          },
          eventIds: (data.eventIds as string[]) ?? [],
        };
      }
    }
  } catch (error) {
    if (error instanceof StreamNotFoundError) return undefined;
    throw error;
  }
  return claim;
}

/** Claims `eventId` for `streamId`; answers the claim that stands (ours, or one written first by a racing append). */
export async function claim(client: EventStoreDBClient, eventId: string, streamId: string): Promise<Claim> {
  try {
    await client.appendToStream(claimStream(eventId), jsonEvent({ type: CLAIMED, data: { streamId } }), {
      expectedRevision: NO_STREAM,
    });
    return { streamId };
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) throw error;
    const standing = await readClaim(client, eventId);
    if (!standing) throw error;
    return standing;
  }
}

/** Records the result of the claimed append; a racing duplicate that recorded it first is fine. */
export async function complete(
  client: EventStoreDBClient,
  eventId: string,
  result: AppendResult,
  eventIds: readonly string[],
): Promise<void> {
  try {
    await client.appendToStream(
      claimStream(eventId),
      jsonEvent({ type: COMPLETED, data: { ...result, eventIds: [...eventIds] } }),
      { expectedRevision: 0n },
    );
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) throw error;
  }
}
