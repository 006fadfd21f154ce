import {
  BACKWARDS,
  END,
  type EventStoreDBClient,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from "@eventstore/db-client";
import { GENESIS_HASH, globalHashOf } from "../integrity/hashing.js";
import type { RecordedEvent } from "../port.js";
import { sleep } from "./sleep.js";

/**
 * EventStoreDB assigns `$all` positions at the write, so the global chain cannot be computed at append. A chainer
 * follows `$all` and records the links, in order, in this stream (ADR 0006); it is outside the chain it carries.
 */
export const CHAIN_STREAM = "integrity-chain";
export const LINKS_RECORDED = "GlobalChainLinksRecorded";
const LINKS_PER_EVENT = 500;

export interface GlobalLink {
  position: number;
  eventId: string;
  globalPrev: string;
  globalHash: string;
}

export interface StoredEvent {
  event: RecordedEvent;
  streamHash: string | null;
}

interface LinksData {
  links: GlobalLink[];
}

const linksOf = (data: unknown): GlobalLink[] => (data as LinksData).links;

/** Where each links event starts and ends, so that a page of `$all` finds its links without reading them all. */
export function createChainIndex(client: EventStoreDBClient) {
  const ranges: { revision: bigint; first: number; last: number }[] = [];

  async function readFrom(
    revision: bigint,
    maxCount: number,
  ): Promise<{ revision: bigint; links: GlobalLink[] }[]> {
    const found: { revision: bigint; links: GlobalLink[] }[] = [];
    try {
      for await (const resolved of client.readStream(CHAIN_STREAM, {
        fromRevision: revision,
        maxCount,
        direction: FORWARDS,
      })) {
        if (resolved.event)
          found.push({ revision: resolved.event.revision, links: linksOf(resolved.event.data) });
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return found;
  }

  async function refresh(): Promise<void> {
    for (;;) {
      const next = ranges.length === 0 ? 0n : (ranges.at(-1)?.revision ?? -1n) + 1n;
      const read = await readFrom(next, LINKS_PER_EVENT);
      for (const { revision, links } of read) {
        const first = links[0];
        const last = links.at(-1);
        if (first && last) ranges.push({ revision, first: first.position, last: last.position });
      }
      if (read.length < LINKS_PER_EVENT) return;
    }
  }

  return {
    refresh,
    /** The links recorded for positions from `from` to `to`, by position. */
    async linksFor(from: number, to: number): Promise<Map<number, GlobalLink>> {
      const links = new Map<number, GlobalLink>();
      const overlapping = ranges.filter((range) => range.last >= from && range.first <= to);
      const start = overlapping[0];
      if (!start) return links;
      for (const { links: recorded } of await readFrom(start.revision, overlapping.length)) {
        for (const link of recorded)
          if (link.position >= from && link.position <= to) links.set(link.position, link);
      }
      return links;
    },
  };
}

/** The chain's last link and the links stream's revision, read from the server (another instance may write too). */
async function chainTail(
  client: EventStoreDBClient,
): Promise<{ revision: bigint; link: GlobalLink } | undefined> {
  try {
    for await (const resolved of client.readStream(CHAIN_STREAM, {
      fromRevision: END,
      direction: BACKWARDS,
      maxCount: 1,
    })) {
      const link = resolved.event && linksOf(resolved.event.data).at(-1);
      if (resolved.event && link) return { revision: resolved.event.revision, link };
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return undefined;
}

/**
 * Links what `$all` holds beyond the last link, one links event per round. Several service instances may run
 * it: the links stream's expected revision lets one win, the others re-read the tail and carry on from there.
 */
export function startChainer(
  client: EventStoreDBClient,
  readPage: (after: number, maxCount: number) => Promise<StoredEvent[]>,
  { pollMs = 500, onError }: { pollMs?: number; onError: (error: unknown) => void },
): { close(): Promise<void> } {
  const stop = new AbortController();

  async function round(): Promise<number> {
    const tail = await chainTail(client);
    const page = await readPage(tail?.link.position ?? -1, LINKS_PER_EVENT);
    if (page.length === 0) return 0;
    let prev = tail?.link.globalHash ?? GENESIS_HASH;
    const links = page.map(({ event, streamHash }) => {
      // An event written before the chain has no stream link: it is chained with an empty one.
      const globalHash = globalHashOf(prev, event, streamHash ?? "");
      const link = { position: event.position, eventId: event.id, globalPrev: prev, globalHash };
      prev = globalHash;
      return link;
    });
    try {
      await client.appendToStream(CHAIN_STREAM, jsonEvent({ type: LINKS_RECORDED, data: { links } }), {
        expectedRevision: tail ? tail.revision : NO_STREAM,
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
    return links.length;
  }

  async function run(): Promise<void> {
    while (!stop.signal.aborted) {
      let linked = 0;
      try {
        linked = await round();
      } catch (error) {
        onError(error);
      }
      if (linked < LINKS_PER_EVENT) await sleep(pollMs, stop.signal);
    }
  }

  const done = run();
  return {
    async close() {
      stop.abort();
      await done;
    },
  };
}
