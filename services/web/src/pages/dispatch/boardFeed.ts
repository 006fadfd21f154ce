import { computed, onScopeDispose, type Ref, ref, shallowRef, watch } from "vue";
import { api } from "../../lib/api.js";
import { applyChange, FEED_PROTOCOLS, resumeQuery } from "../../lib/feedWire.js";
import { session } from "../../lib/session.js";
import { type BoardItem, compareItems, type FeedMessage, insertSorted, isEmergency } from "./boardTypes.js";

export type ConnectionState = "live" | "reconnecting" | "stale";

/** Close codes of the feed (docs/asyncapi.yaml). */
const CLOSE_TOKEN_EXPIRED = 4401;
const CLOSE_TOO_SLOW = 4408;
/** The server sends a heartbeat every 15 s: silence beyond this means the data can no longer be trusted. */
export const SILENCE_LIMIT_MS = 35_000;
/** After this much silence the client asks (any message is answered with a heartbeat). */
const PROBE_AFTER_MS = 20_000;
const BACKOFF_MS = [500, 1_000, 2_000, 4_000, 8_000, 10_000];
const FLASH_MS = 4_000;

export interface BoardFeed {
  /** Every item, in the server's order (alarms, severity, urgency, oldest); replaced, never mutated. */
  rows: Readonly<Ref<readonly BoardItem[]>>;
  state: Readonly<Ref<ConnectionState>>;
  /** When the data on screen was last known to be current (set when the board stops being live). */
  staleSince: Readonly<Ref<Date | null>>;
  /** Ids of emergency items that have just appeared (the row flashes). */
  flashing: Readonly<Ref<ReadonlySet<string>>>;
  /** Reconnection attempts since the board was last live. */
  attempts: Readonly<Ref<number>>;
  /** Last log position received (snapshot, change or caught_up). */
  position: () => number;
  /** Called with the ids of emergency items that just appeared (not for the first snapshot). */
  onNewEmergency: (listener: (ids: string[]) => void) => void;
  reconnectNow: () => void;
}

/**
 * The live board over the WebSocket feed `/ws/board`. Messages are queued and applied once per animation
 * frame; the sorted list is kept incrementally (a change removes and re-inserts one item), so that a board of
 * hundreds of rows under tens of updates a second re-renders only the rows that changed.
 */
export const useBoardFeed = (): BoardFeed => {
  const rows = shallowRef<readonly BoardItem[]>([]);
  const socketOpen = ref(false);
  const synced = ref(false);
  const everSynced = ref(false);
  const silent = ref(false);
  const staleSince = ref<Date | null>(null);
  const flashing = shallowRef<ReadonlySet<string>>(new Set());
  const attempts = ref(0);

  const items = new Map<string, BoardItem>();
  let position: number | undefined;
  /** The feed life that told this page its board: a resume elsewhere starts from a snapshot. */
  let epoch: string | undefined;
  /** Set when the page's board went out of step with the feed: the next connection asks for a snapshot. */
  let resync = false;
  let lastMessageAt = 0;
  let probed = false;
  let socket: WebSocket | null = null;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;
  const listeners: ((ids: string[]) => void)[] = [];

  // ---- applying messages, once per frame ----
  let pending: FeedMessage[] = [];
  let frame: number | undefined;
  let fallback: ReturnType<typeof setTimeout> | undefined;

  const schedule = () => {
    if (frame !== undefined) return;
    frame = requestAnimationFrame(flush);
    // Animation frames stop in a hidden tab; the queue must not grow without bound there.
    fallback = setTimeout(flush, 250);
  };

  const flush = () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    clearTimeout(fallback);
    frame = undefined;
    fallback = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;

    let resort = false;
    const changed = new Set<string>();
    const appeared: string[] = [];
    for (const message of batch) {
      if (message.type === "snapshot") {
        const known = everSynced.value ? new Set(items.keys()) : null;
        items.clear();
        for (const item of message.items) {
          items.set(item.id, item);
          if (known && !known.has(item.id) && isEmergency(item)) appeared.push(item.id);
        }
        resort = true;
        resync = false;
        changed.clear();
        synced.value = true;
        everSynced.value = true;
      } else if (message.type === "change" || message.type === "changes") {
        for (const change of message.type === "change" ? [message] : message.changes) {
          const applied = applyChange(items, change);
          if (applied.kind === "unknown") {
            desynchronised();
            return;
          }
          if (applied.kind === "set" && applied.isNew && everSynced.value && isEmergency(applied.item))
            appeared.push(change.itemId);
          changed.add(change.itemId);
        }
      } else if (message.type === "caught_up") {
        synced.value = true;
        everSynced.value = true;
      }
    }

    if (resort || changed.size > Math.max(32, items.size / 8)) {
      rows.value = [...items.values()].sort(compareItems);
    } else if (changed.size > 0) {
      const next = rows.value.filter((item) => !changed.has(item.id));
      for (const id of changed) {
        const item = items.get(id);
        if (item) insertSorted(next, item);
      }
      rows.value = next;
    }

    if (appeared.length > 0) {
      const next = new Set(flashing.value);
      for (const id of appeared) next.add(id);
      flashing.value = next;
      setTimeout(() => {
        const after = new Set(flashing.value);
        for (const id of appeared) after.delete(id);
        flashing.value = after;
      }, FLASH_MS);
      for (const listener of listeners) listener(appeared);
    }
  };

  // ---- the socket ----
  const url = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const resume = everSynced.value && !resync ? resumeQuery(position, epoch) : "";
    return `${scheme}://${location.host}/ws/board${resume}`;
  };

  /**
   * A change to an item this page does not hold: what it shows can no longer be trusted. Drop the queue and the
   * resume point and reconnect: the feed answers with a fresh snapshot.
   */
  const desynchronised = () => {
    pending = [];
    resync = true;
    socket?.close();
  };

  const onMessage = (event: MessageEvent) => {
    lastMessageAt = Date.now();
    probed = false;
    if (silent.value) silent.value = false;
    let message: FeedMessage;
    try {
      message = JSON.parse(String(event.data)) as FeedMessage;
    } catch {
      return;
    }
    // Heartbeats only prove liveness: their position may run ahead of a change still on its way.
    if (message.type === "heartbeat") return;
    if (typeof message.position === "number" && (position === undefined || message.position > position)) {
      position = message.position;
    }
    if (message.type === "snapshot") position = message.position;
    if ((message.type === "snapshot" || message.type === "caught_up") && message.epoch !== undefined)
      epoch = message.epoch;
    pending.push(message);
    schedule();
  };

  const connect = () => {
    clearTimeout(reconnectTimer);
    reconnectTimer = undefined;
    const token = session.token.value;
    if (disposed || !token) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url(), [...FEED_PROTOCOLS, `bearer.${token}`]);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      socketOpen.value = true;
      lastMessageAt = Date.now();
    };
    ws.onmessage = (event) => {
      if (socket === ws) onMessage(event);
    };
    ws.onclose = (event) => {
      if (socket !== ws) return;
      socket = null;
      socketOpen.value = false;
      synced.value = false;
      // The token ran out while the board was open: back to the login page, saying why (no silent retries).
      if (event.code === CLOSE_TOKEN_EXPIRED) {
        session.logout("common.login.expired");
        return;
      }
      // Fell too far behind (a slow network): resume at once from the last position, which is exact.
      if (event.code === CLOSE_TOO_SLOW) attempts.value = 0;
      scheduleReconnect();
    };
    ws.onerror = () => {
      // A close event follows; closing here makes sure of it.
      ws.close();
    };
  };

  const scheduleReconnect = () => {
    if (disposed || reconnectTimer !== undefined) return;
    const base = BACKOFF_MS[Math.min(attempts.value, BACKOFF_MS.length - 1)] as number;
    attempts.value += 1;
    // After repeated failures, ask the API once: a 401 there ends the session instead of retrying forever.
    if (attempts.value % 4 === 3) api.get("/api/reference").catch(() => undefined);
    reconnectTimer = setTimeout(connect, base * (0.8 + Math.random() * 0.4));
  };

  const reconnectNow = () => {
    if (socket) socket.close();
    else connect();
  };

  // ---- liveness ----
  const watchdog = setInterval(() => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    const quiet = Date.now() - lastMessageAt;
    if (quiet > PROBE_AFTER_MS && !probed) {
      probed = true;
      try {
        socket.send("?");
      } catch {
        // the close event will follow
      }
    }
    if (quiet > SILENCE_LIMIT_MS) {
      silent.value = true;
      // A half-open connection: give it up and reconnect from the last position.
      const dead = socket;
      socket = null;
      socketOpen.value = false;
      synced.value = false;
      dead.close();
      scheduleReconnect();
    }
  }, 1_000);

  const state = computed<ConnectionState>(() =>
    socketOpen.value && synced.value && !silent.value ? "live" : everSynced.value ? "stale" : "reconnecting",
  );
  watch(state, (next, previous) => {
    if (next === "live") {
      staleSince.value = null;
      attempts.value = 0;
    } else if (previous === "live" || staleSince.value === null) {
      staleSince.value = new Date(lastMessageAt || Date.now());
    }
  });

  const online = () => {
    if (!socket) {
      attempts.value = 0;
      connect();
    }
  };
  window.addEventListener("online", online);

  const stopToken = watch(session.token, (token) => {
    if (!token) {
      socket?.close();
      socket = null;
    }
  });

  connect();

  onScopeDispose(() => {
    disposed = true;
    clearInterval(watchdog);
    clearTimeout(reconnectTimer);
    clearTimeout(fallback);
    if (frame !== undefined) cancelAnimationFrame(frame);
    window.removeEventListener("online", online);
    stopToken();
    const ws = socket;
    socket = null;
    ws?.close();
  });

  return {
    rows,
    state,
    staleSince,
    flashing,
    attempts,
    position: () => position ?? 0,
    onNewEmergency: (listener) => {
      listeners.push(listener);
    },
    reconnectNow,
  };
};
