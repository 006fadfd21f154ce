import type { Urgency } from "../shared/risk.js";
import type { BloodGroup, BloodProduct } from "./commands.js";
import type { BloodEvent, BloodIssuedItem } from "./events.js";

/** One packed box (出库装箱) and where it is. */
export interface Consignment {
  consignment: number;
  items: BloodIssuedItem[];
  status: "packed" | "in_transit" | "delivered";
}

export interface BloodFacts {
  bloodRequestId: string;
  caseId: string;
  transferId: string | undefined;
  requestingInstitutionId: string;
  bloodStationId: string;
  bloodGroup: BloodGroup;
  urgency: Urgency;
  /** Totals asked for (first request plus extra requests) and issued so far, per product. */
  requested: Partial<Record<BloodProduct, number>>;
  issued: Partial<Record<BloodProduct, number>>;
  /** Issued, not yet packed. */
  unpacked: BloodIssuedItem[];
  consignments: Consignment[];
  acknowledged: boolean;
  preparing: boolean;
  /** occurredAt of the latest step: the next one may not be earlier. */
  lastOccurredAt: string;
}

export type BloodState =
  | { status: "none" }
  | ({ status: "open" } & BloodFacts)
  | ({ status: "cancelled" } & BloodFacts);

/**
 * Where a request stands, for the board and the station's queue: requested → acknowledged → issued → in_transit →
 * delivered (all that was asked for received at the scene). An extra request re-opens a delivered one.
 */
export type BloodProgress =
  | "requested"
  | "acknowledged"
  | "issued"
  | "in_transit"
  | "delivered"
  | "cancelled";

export const initialState = (): BloodState => ({ status: "none" });

export const outstanding = (facts: Pick<BloodFacts, "requested" | "issued">, product: BloodProduct): number =>
  (facts.requested[product] ?? 0) - (facts.issued[product] ?? 0);

const add = (
  totals: Partial<Record<BloodProduct, number>>,
  items: readonly { product: BloodProduct; quantity: number }[],
): Partial<Record<BloodProduct, number>> => {
  const next = { ...totals };
  for (const { product, quantity } of items) next[product] = (next[product] ?? 0) + quantity;
  return next;
};

export const progressOf = (state: BloodState): BloodProgress | undefined => {
  if (state.status === "none") return undefined;
  if (state.status === "cancelled") return "cancelled";
  if (!state.acknowledged) return "requested";
  if (state.consignments.some((c) => c.status === "in_transit")) return "in_transit";
  const allIssued = Object.keys(state.requested).every((p) => outstanding(state, p as BloodProduct) <= 0);
  const allDelivered =
    state.unpacked.length === 0 &&
    state.consignments.length > 0 &&
    state.consignments.every((c) => c.status === "delivered");
  if (allIssued && allDelivered) return "delivered";
  if (state.unpacked.length > 0 || state.consignments.some((c) => c.status === "packed")) return "issued";
  return "acknowledged";
};

const setConsignment = (
  consignments: readonly Consignment[],
  n: number,
  status: Consignment["status"],
): Consignment[] => consignments.map((c) => (c.consignment === n ? { ...c, status } : c));

/** Folds one event into the state. Events are facts: evolve never refuses one. */
export const evolve = (state: BloodState, event: BloodEvent): BloodState => {
  if (event.type === "BloodRequested") {
    const d = event.data;
    return {
      status: "open",
      bloodRequestId: d.bloodRequestId,
      caseId: d.caseId,
      transferId: d.transferId,
      requestingInstitutionId: d.requestingInstitutionId,
      bloodStationId: d.bloodStationId,
      bloodGroup: d.bloodGroup,
      urgency: d.urgency,
      requested: add({}, d.products),
      issued: {},
      unpacked: [],
      consignments: [],
      acknowledged: false,
      preparing: false,
      lastOccurredAt: d.occurredAt,
    };
  }
  if (state.status === "none") return state;
  const at = event.data.occurredAt;
  switch (event.type) {
    case "BloodRequestExtended":
      return { ...state, requested: add(state.requested, event.data.products), lastOccurredAt: at };
    case "BloodRequestAcknowledged":
      return { ...state, acknowledged: true, lastOccurredAt: at };
    case "BloodPreparationStarted":
      return { ...state, preparing: true, lastOccurredAt: at };
    case "BloodIssued":
      return {
        ...state,
        issued: add(state.issued, event.data.items),
        unpacked: [...state.unpacked, ...event.data.items],
        lastOccurredAt: at,
      };
    case "BloodPacked":
      return {
        ...state,
        unpacked: [],
        consignments: [
          ...state.consignments,
          { consignment: event.data.consignment, items: event.data.items, status: "packed" },
        ],
        lastOccurredAt: at,
      };
    case "BloodHandedOver":
      return {
        ...state,
        consignments: setConsignment(state.consignments, event.data.consignment, "in_transit"),
        lastOccurredAt: at,
      };
    case "BloodDelivered":
      return {
        ...state,
        consignments: setConsignment(state.consignments, event.data.consignment, "delivered"),
        lastOccurredAt: at,
      };
    case "BloodRequestCancelled":
      return { ...state, status: "cancelled", lastOccurredAt: at };
    default: {
      const unexpected: never = event;
      return unexpected;
    }
  }
};
