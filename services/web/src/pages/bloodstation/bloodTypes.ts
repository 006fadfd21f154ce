/** The blood-station queue as `GET /api/blood-requests/queue` answers it (issue 9 §3). */
export type BloodProduct = "red_cells" | "plasma" | "platelets" | "cryoprecipitate";
export type BloodProgress =
  | "requested"
  | "acknowledged"
  | "issued"
  | "in_transit"
  | "delivered"
  | "cancelled";
export type BloodMilestone = "acknowledged" | "issued" | "delivered";

export interface BloodQueueItem {
  bloodRequestId: string;
  caseId: string;
  requestingInstitutionId: string;
  urgency: "emergency" | "urgent" | "routine";
  indication: string;
  bloodGroup: { abo: string; rhD: string };
  destination: { institutionId: string; place: string };
  progress: BloodProgress;
  requested: { by: string; occurredAt: string };
  totals: Record<string, { unit: string; requested: number; issued: number; delivered: number }>;
  consignments: {
    consignment: number;
    items: { product: BloodProduct; quantity: number }[];
    handedOver: unknown;
    delivered: unknown;
  }[];
  acknowledged: { by: string; occurredAt: string } | null;
  alarms: BloodMilestone[];
}

export interface BloodQueue {
  asOf: string;
  items: BloodQueueItem[];
}

/** The unit each product is counted in (000 §二十二(五)), as the API requires it. */
export const PRODUCT_UNITS: Record<BloodProduct, string> = {
  red_cells: "U",
  plasma: "mL",
  platelets: "therapeutic_dose",
  cryoprecipitate: "U",
};

/** What the issue dialog proposes: her group when known; else O RhD-negative red cells and AB plasma. */
export const proposedGroup = (
  product: BloodProduct,
  group: { abo: string; rhD: string },
): { abo: string; rhD: string } => {
  const known = group.abo !== "unknown";
  if (product === "red_cells")
    return {
      abo: known ? group.abo : "O",
      rhD: group.rhD === "positive" ? "positive" : "negative",
    };
  return { abo: known ? group.abo : "AB", rhD: group.rhD === "negative" ? "negative" : "positive" };
};
