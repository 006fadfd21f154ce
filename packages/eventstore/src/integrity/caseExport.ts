import type { KeyObject } from "node:crypto";
import type { ChainedEvent } from "../port.js";
import { GENESIS_HASH, globalHashOf, streamHashOf } from "./hashing.js";
import {
  asSignedHead,
  publicKeyPem,
  type SignedHead,
  signJson,
  verifyHead,
  verifyJson,
} from "./signedHead.js";

export const CASE_EXPORT_FORMAT = "mtc.case-export.v1" as const;

/**
 * A case's events with their chain proofs, signed by the service: every stream of the case complete from
 * revision 0 (its per-stream chain), each event's global `prev`/hash, the latest signed head and the public key.
 */
export interface CaseExport {
  format: typeof CASE_EXPORT_FORMAT;
  caseId: string;
  exportedAt: string;
  exportedBy: { userId: string; role: string; institutionId?: string | undefined };
  streams: { streamId: string; events: ChainedEvent[] }[];
  signedHead: SignedHead | null;
  publicKey: string;
  /** Ed25519 over the RFC 8785 bytes of every other field, base64. */
  signature: string;
}

export function buildCaseExport(
  content: Omit<CaseExport, "format" | "publicKey" | "signature">,
  privateKey: KeyObject,
): CaseExport {
  const unsigned = { format: CASE_EXPORT_FORMAT, ...content, publicKey: publicKeyPem(privateKey) };
  return { ...unsigned, signature: signJson(unsigned, privateKey) };
}

export interface ExportVerification {
  ok: boolean;
  caseId?: string;
  events: number;
  streams: number;
  /** The export's head is signed by the export's key and covers the export's last event. */
  headCoversExport: boolean;
  problems: string[];
}

/**
 * Checks an export offline, with no database (`pnpm mtc verify-export FILE`): the signature over the whole
 * export, each stream's chain from genesis, each event's global link, and the signed head.
 */
export function verifyExport(input: unknown, options: { publicKey?: string } = {}): ExportVerification {
  const problems: string[] = [];
  const result = (extra: Partial<ExportVerification> = {}): ExportVerification => ({
    ok: problems.length === 0,
    events: 0,
    streams: 0,
    headCoversExport: false,
    problems,
    ...extra,
  });
  const doc = input as Partial<CaseExport> | null;
  if (
    typeof doc !== "object" ||
    doc === null ||
    doc.format !== CASE_EXPORT_FORMAT ||
    !Array.isArray(doc.streams) ||
    typeof doc.publicKey !== "string" ||
    typeof doc.signature !== "string"
  ) {
    problems.push(`not a ${CASE_EXPORT_FORMAT} document`);
    return result();
  }
  const { signature, ...unsigned } = doc;
  if (!verifyJson(unsigned, signature, doc.publicKey))
    problems.push("the export's signature does not verify");
  if (options.publicKey !== undefined && options.publicKey.trim() !== doc.publicKey.trim())
    problems.push("the export is signed by another key than the one expected");

  let events = 0;
  let lastPosition = -1;
  for (const stream of doc.streams) {
    let prev = GENESIS_HASH;
    for (const [revision, event] of (stream.events ?? []).entries()) {
      events++;
      const where = `${stream.streamId}@${revision}`;
      if (event.streamId !== stream.streamId || event.revision !== revision) {
        problems.push(`${where}: the stream is not complete from revision 0 or out of order`);
        break;
      }
      if (streamHashOf(prev, event) !== event.streamHash)
        problems.push(`${where}: the stream link does not match`);
      if (event.globalPrev === null || event.globalHash === null || event.streamHash === null)
        problems.push(`${where}: no global link`);
      else if (globalHashOf(event.globalPrev, event, event.streamHash) !== event.globalHash)
        problems.push(`${where}: its content no longer matches its global hash`);
      prev = event.streamHash ?? "";
      lastPosition = Math.max(lastPosition, event.position);
    }
  }
  const head = doc.signedHead === null ? undefined : asSignedHead(doc.signedHead);
  if (doc.signedHead !== null && !head) problems.push("the signed head is malformed");
  if (head && !verifyHead(head)) problems.push("the signed head's signature does not verify");
  if (head && head.publicKey.trim() !== doc.publicKey.trim())
    problems.push("the head is signed by another key");
  return result({
    caseId: doc.caseId,
    events,
    streams: doc.streams.length,
    headCoversExport: head !== undefined && head.position >= lastPosition,
  });
}
