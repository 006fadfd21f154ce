import { onScopeDispose, type Ref, ref, shallowRef } from "vue";
import { applyChange, FEED_PROTOCOLS, type FeedMessage, resumeQuery } from "../../lib/feedWire.js";
import { session } from "../../lib/session.js";

/** An incoming transfer and its pre-arrival alert, as `/ws/arrivals` and `GET /api/arrivals` send it. */
export interface ArrivalItem {
  id: string;
  transferId: string;
  caseId: string;
  patient: { name: string; idCardNumber?: string };
  riskGrade: string;
  originInstitutionId: string;
  destinationInstitutionId: string;
  clinicalSummary: string;
  status: "requested" | "en_route" | "arrived";
  departedAt: string | null;
  conditionAtDeparture: { summary: string; vitalSigns: Record<string, string | number> } | null;
  escorts: string[];
  enRouteCare: { kind: string; description: string; performedBy: string; occurredAt: string }[];
  alert: {
    alertedAt: string;
    cause: "departure" | "diversion";
    expectedArrivalAt: string | null;
    etaUpdatedBy: string | null;
    asks: string[];
    askNote: string | null;
    acknowledgedBy: string | null;
    acknowledgedAt: string | null;
  } | null;
  alarms: { kind: string; since: string; overdueByMinutes: number }[];
}

export type ArrivalsConnection = "live" | "reconnecting" | "closed";

const CLOSE_TOKEN_EXPIRED = 4401;
const BACKOFF_MS = [500, 1_000, 2_000, 5_000];

/** Soonest first; alarmed and unacknowledged alerts before the rest (as the server sorts them). */
const order = (a: ArrivalItem, b: ArrivalItem): number =>
  b.alarms.length - a.alarms.length ||
  Number(a.alert?.acknowledgedAt != null) - Number(b.alert?.acknowledgedAt != null) ||
  Date.parse(a.alert?.expectedArrivalAt ?? a.alert?.alertedAt ?? "") -
    Date.parse(b.alert?.expectedArrivalAt ?? b.alert?.alertedAt ?? "");

/**
 * The hospital-scoped feed of pre-arrival alerts (`/ws/arrivals`, the board feed's protocol): a snapshot, then
 * each change live; on a dropped connection it resumes from its last position.
 */
export const useArrivalsFeed = (): {
  items: Readonly<Ref<readonly ArrivalItem[]>>;
  state: Readonly<Ref<ArrivalsConnection>>;
} => {
  const items = shallowRef<readonly ArrivalItem[]>([]);
  const state = ref<ArrivalsConnection>("reconnecting");
  const byId = new Map<string, ArrivalItem>();
  let position: number | undefined;
  /** The feed life that told this page its alerts, and whether they went out of step with it. */
  let epoch: string | undefined;
  let resync = false;
  let socket: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let disposed = false;

  const publish = () => {
    items.value = [...byId.values()].sort(order);
  };
  const onMessage = (raw: string) => {
    const message = JSON.parse(raw) as FeedMessage<ArrivalItem>;
    // Heartbeats only prove liveness: their position may run ahead of a change still on its way.
    if (message.type === "heartbeat") return;
    if (message.type === "snapshot") {
      byId.clear();
      for (const item of message.items) byId.set(item.id, item);
      resync = false;
    } else if (message.type === "change" || message.type === "changes") {
      for (const change of message.type === "change" ? [message] : message.changes) {
        if (applyChange(byId, change).kind === "unknown") {
          // A change to an alert this page does not hold: start again from a snapshot.
          resync = true;
          socket?.close();
          return;
        }
      }
    }
    if (message.type === "snapshot" || message.type === "caught_up") epoch = message.epoch ?? epoch;
    position = message.position;
    publish();
  };
  const connect = () => {
    const token = session.token.value;
    if (disposed || !token) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const resume = resync ? "" : resumeQuery(position, epoch);
    const ws = new WebSocket(`${scheme}://${location.host}/ws/arrivals${resume}`, [
      ...FEED_PROTOCOLS,
      `bearer.${token}`,
    ]);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      state.value = "live";
    };
    ws.onmessage = (event) => onMessage(String(event.data));
    ws.onclose = (event) => {
      socket = null;
      if (disposed) return;
      if (event.code === CLOSE_TOKEN_EXPIRED) {
        state.value = "closed";
        session.logout("common.login.expired");
        return;
      }
      state.value = "reconnecting";
      timer = setTimeout(connect, BACKOFF_MS[Math.min(attempt++, BACKOFF_MS.length - 1)]);
    };
  };
  connect();
  onScopeDispose(() => {
    disposed = true;
    clearTimeout(timer);
    socket?.close();
  });
  return { items, state };
};
