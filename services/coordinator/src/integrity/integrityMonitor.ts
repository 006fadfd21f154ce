import { createPrivateKey, generateKeyPairSync, type KeyObject, randomUUID } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Clock } from "@mtc/domain";
import {
  type ChainBreak,
  type ChainWalker,
  type EventStore,
  HEADS_STREAM,
  inProcessWalker,
  publicKeyPem,
  readSignedHeadFile,
  restInProportion,
  type SignedHead,
  signedHeadEvent,
  signedHeadFile,
  signHead,
  type WalkSnapshot,
  workerWalker,
} from "@mtc/eventstore";
import type { Logger } from "pino";
import type { Config } from "../config.js";

/** Breaks found by the service are recorded here (issue 8: "recorded as an event"). */
export const ALARMS_STREAM = "integrity-alarms";
export const BREAK_DETECTED = "IntegrityBreakDetected";
const DEMO_KEY_FILE = "signing-key.pem";

export interface IntegrityStatus {
  /** `verifying` until the whole log was walked once; `broken` from the first break on. */
  state: "verifying" | "ok" | "broken";
  tailVerified: boolean;
  fullyVerified: boolean;
  checked: number;
  lastPosition: number;
  latestHead: { position: number; signedAt: string } | null;
  firstBreak?: ChainBreak & { detectedAt: string };
  /** The last verification round that could not run (the store failed); it is retried. */
  lastError?: string;
}

/**
 * The signing key: from MTC_SIGNING_KEY_FILE, or in demo mode generated once into the data directory.
 * Only Ed25519 is accepted: a head signed with anything else could not be checked by `verifyLog`.
 */
export async function loadSigningKey(
  config: Pick<Config, "mode" | "dataDir" | "integrity">,
): Promise<KeyObject> {
  const configured = config.integrity.signingKeyFile;
  if (!configured && config.mode === "production") throw new Error("MTC_SIGNING_KEY_FILE is required");
  const file = configured ?? path.join(config.dataDir, DEMO_KEY_FILE);
  let pem: string;
  try {
    pem = await readFile(file, "utf8");
  } catch (error) {
    if (configured || (error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    const { privateKey } = generateKeyPairSync("ed25519");
    pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    // `wx`: a second process starting at the same moment keeps the first one's key.
    await writeFile(file, pem, { mode: 0o600, flag: "wx" }).catch(async () => {
      pem = await readFile(file, "utf8");
    });
  }
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== "ed25519")
    throw new Error(`${file}: the signing key must be Ed25519, not ${String(key.asymmetricKeyType)}`);
  return key;
}

export interface IntegrityMonitorOptions {
  store: EventStore;
  settings: Config["integrity"];
  privateKey: KeyObject;
  clock: Clock;
  log: Logger;
  /** Embedded store only: where the latest signed head is kept outside the log, to reveal a cut tail. */
  headFile?: string | undefined;
  /** Embedded store only: the log's file, walked in a worker thread on a read-only connection. */
  logFile?: string | undefined;
}

export type IntegrityMonitor = Awaited<ReturnType<typeof startIntegrityMonitor>>;

/** Events hashed between two pauses of a walk on the service's thread: a few milliseconds of work. */
const BACKGROUND_PAGE = 100;

/**
 * Verifies the log in the background: the tail first, then the whole log, then new events as they arrive;
 * signs the verified tip every N events or M minutes. A break is reported on /health and recorded as an
 * event; commands are never held up by any of it.
 */
export async function startIntegrityMonitor({
  store,
  settings,
  privateKey,
  clock,
  log,
  headFile,
  logFile,
}: IntegrityMonitorOptions) {
  const publicKey = publicKeyPem(privateKey);
  let latestHead: SignedHead | undefined;
  let unreadableHead: string | undefined;
  try {
    latestHead = headFile ? readSignedHeadFile(headFile) : undefined;
  } catch (error) {
    // Starting anyway: emergency commands must keep working; the break is reported like any other.
    unreadableHead = error instanceof Error ? error.message : String(error);
  }
  const trustedHead = latestHead;
  let state: WalkSnapshot = { checked: 0, lastPosition: -1, hash: "", latestHead: undefined };
  let fullWalkStartedAt = clock().getTime();
  const status: IntegrityStatus = {
    state: "verifying",
    tailVerified: false,
    fullyVerified: false,
    checked: 0,
    lastPosition: -1,
    latestHead: null,
  };
  let checkedAtLastHead = 0;
  let ownHeadPosition = -1;
  const stop = new AbortController();

  async function reportBreak(found: ChainBreak): Promise<void> {
    const detectedAt = clock().toISOString();
    status.state = "broken";
    status.firstBreak = { ...found, detectedAt };
    log.error({ break: found }, "the event log does not match its hash chain");
    const id = randomUUID();
    await store.append(
      ALARMS_STREAM,
      [
        {
          id,
          type: BREAK_DETECTED,
          data: { ...found, detectedAt },
          metadata: {
            actor: { userId: "system", role: "system" },
            caseId: ALARMS_STREAM,
            causationId: id,
            commandId: id,
            occurredAt: detectedAt,
            schemaVersion: 1,
          },
        },
      ],
      "any",
    );
  }

  /**
   * An embedded log is walked in a worker thread, off the event loop. A remote log's walk is mostly waiting on
   * the network; there it runs here, in small pages, each followed by a pause twice as long as the page took,
   * so verification takes at most a third of the loop and a request waits at most one small page.
   */
  const walker: ChainWalker = logFile
    ? workerWalker({ path: logFile, trustedKey: publicKey, share: settings.walkShare })
    : inProcessWalker(
        store,
        { pageSize: BACKGROUND_PAGE, signal: stop.signal, pace: restInProportion(1 / 3, 50) },
        publicKey,
      );

  async function verifyTail(): Promise<ChainBreak | undefined> {
    // Embedded positions are dense, so "the last N events" is a position; EventStoreDB's are byte offsets.
    if (store.kind !== "embedded" || settings.tailEvents === 0) return undefined;
    const head = await store.headPosition();
    return walker.tail(Math.max(-1, head - settings.tailEvents));
  }

  async function signIfDue(): Promise<void> {
    // Only a verified tip is signed, and never just our own last head.
    if (state.checked === 0 || state.lastPosition <= ownHeadPosition) return;
    const now = clock();
    const eventsDue = state.checked - checkedAtLastHead >= settings.signEveryEvents;
    const minutesDue =
      !latestHead || now.getTime() - Date.parse(latestHead.signedAt) >= settings.signEveryMinutes * 60_000;
    if (!eventsDue && !minutesDue) return;
    const head = signHead(
      { position: state.lastPosition, globalHash: state.hash, signedAt: now.toISOString() },
      privateKey,
    );
    const appended = await store.append(
      HEADS_STREAM,
      [signedHeadEvent(head, randomUUID(), head.signedAt)],
      "any",
    );
    if (headFile) {
      await writeFile(`${headFile}.tmp`, JSON.stringify(head));
      await rename(`${headFile}.tmp`, headFile);
    }
    latestHead = head;
    ownHeadPosition = appended.position;
    checkedAtLastHead = state.checked;
    status.latestHead = { position: head.position, signedAt: head.signedAt };
  }

  /** A fresh walk from the start, then on to the current end; each replaces the running state only if it holds. */
  async function walk(): Promise<ChainBreak | undefined> {
    const again =
      status.fullyVerified && clock().getTime() - fullWalkStartedAt >= settings.fullVerifySeconds * 1000;
    if (again) {
      fullWalkStartedAt = clock().getTime();
      const fresh = await walker.again();
      if (fresh.found) return fresh.found;
      state = fresh.snapshot;
    }
    const { found, snapshot } = await walker.advance();
    state = snapshot;
    return found;
  }

  async function round(): Promise<void> {
    if (status.state === "broken") return;
    const found = await walk();
    status.checked = state.checked;
    status.lastPosition = state.lastPosition;
    if (found) return reportBreak(found);
    if (!status.fullyVerified) {
      const cut = trustedHead && (await walker.checkHead(trustedHead));
      if (cut) return reportBreak(cut);
      status.fullyVerified = true;
      status.state = "ok";
      if (!latestHead && state.latestHead) latestHead = state.latestHead;
      if (latestHead) status.latestHead = { position: latestHead.position, signedAt: latestHead.signedAt };
    }
    await signIfDue();
  }

  async function guarded(step: () => Promise<void>): Promise<void> {
    try {
      await step();
      delete status.lastError;
    } catch (error) {
      if (stop.signal.aborted) return;
      status.lastError = error instanceof Error ? error.message : String(error);
      log.warn({ err: error }, "integrity verification round failed; retrying");
    }
  }

  async function run(): Promise<void> {
    if (unreadableHead !== undefined) {
      const detail = `the signed head kept beside the log is unreadable: ${unreadableHead}`;
      await guarded(() => reportBreak({ position: -1, kind: "edited", detail }));
    }
    await guarded(async () => {
      const found = await verifyTail();
      status.tailVerified = true;
      if (found) await reportBreak(found);
    });
    while (!stop.signal.aborted) {
      await guarded(round);
      await sleep(settings.checkSeconds * 1000, stop.signal);
    }
  }

  const running = run();
  return {
    publicKey,
    privateKey,
    status: (): IntegrityStatus => ({ ...status }),
    latestHead: (): SignedHead | null => latestHead ?? null,
    async close(): Promise<void> {
      stop.abort();
      await walker.close();
      await running;
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** What service.ts starts: the key from configuration, the sidecar head beside an embedded log, the monitor. */
export async function startIntegrity(config: Config, store: EventStore, clock: Clock, log: Logger) {
  return startIntegrityMonitor({
    store,
    settings: config.integrity,
    privateKey: await loadSigningKey(config),
    clock,
    log,
    headFile: config.store.kind === "embedded" ? signedHeadFile(config.store.path) : undefined,
    logFile: config.store.kind === "embedded" ? config.store.path : undefined,
  });
}
