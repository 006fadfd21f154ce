import Database from "better-sqlite3";
import type { ChainSource } from "../integrity/verify.js";
import type { ChainRow } from "./rows.js";
import { toChainedEvent } from "./rows.js";

const CHAIN_COLUMNS =
  "position, event_id, stream_id, revision, type, data, metadata, recorded_at, stream_hash, global_prev, global_hash";

/**
 * A read-only view of an embedded log's hash chain, for a walk that runs beside the service (in a worker
 * thread): it never writes, never migrates, and waits out the writer's locks like any reader.
 */
export function openChainReader(path: string): ChainSource & { close(): void } {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.pragma("busy_timeout = 5000");
  const page = db.prepare<[number, number], ChainRow>(
    `SELECT ${CHAIN_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`,
  );
  const head = db.prepare<[], { head: number | null }>("SELECT MAX(position) AS head FROM events");
  // Walks the stream's (stream_id, revision) index from its newest revision: in an untouched log the first row
  // is the one before `position`.
  const linkBefore = db.prepare<[string, number], { revision: number; stream_hash: string | null }>(
    "SELECT revision, stream_hash FROM events WHERE stream_id = ? AND position < ? ORDER BY revision DESC LIMIT 1",
  );
  return {
    kind: "embedded",
    readChain: async ({ after = -1, maxCount = 1_000 } = {}) => page.all(after, maxCount).map(toChainedEvent),
    headPosition: async () => head.get()?.head ?? -1,
    streamLinkBefore: async (streamId, position) => {
      const row = linkBefore.get(streamId, position);
      return row && { revision: row.revision, hash: row.stream_hash ?? "" };
    },
    close: () => db.close(),
  };
}
