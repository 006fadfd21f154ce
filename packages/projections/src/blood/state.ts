import type { BloodGroup, BloodProgress, Urgency } from "@mtc/domain";

/** A quantity of one product, in its unit (U, mL, 治疗量). */
export interface BloodQuantity {
  product: string;
  unit: string;
  quantity: number;
}

/** A step with who did it and when it happened and was entered. */
export interface BloodStep {
  by: string;
  occurredAt: string;
  recordedAt: string;
}

export interface BloodConsignmentRecord {
  consignment: number;
  items: (BloodQuantity & { group: { abo: string; rhD: string }; substitute: boolean })[];
  packed: BloodStep;
  handedOver: (BloodStep & { transport: string; vehicle: string; carriedBy: string }) | null;
  delivered: (BloodStep & { temperatures: { product: string; celsius: number }[] }) | null;
}

/** One emergency blood request (000 §二十二) as the station's queue, the board and the auditor read it. */
export interface BloodRequestRecord {
  bloodRequestId: string;
  caseId: string;
  transferId: string | null;
  requestingInstitutionId: string;
  bloodStationId: string;
  urgency: Urgency;
  phase: string;
  indication: string;
  bloodGroup: BloodGroup;
  destination: { institutionId: string; place: string };
  progress: BloodProgress;
  requested: BloodStep & { products: BloodQuantity[] };
  extraRequests: (BloodStep & { products: BloodQuantity[]; reason: string })[];
  /** Totals per product: asked for (with the extra requests), issued, delivered. */
  totals: Record<string, { unit: string; requested: number; issued: number; delivered: number }>;
  acknowledged: BloodStep | null;
  preparationStarted: BloodStep | null;
  issues: (BloodStep & { partial: boolean })[];
  /** When all that was asked for had been issued (the last, non-partial issue). */
  fullyIssuedAt: string | null;
  consignments: BloodConsignmentRecord[];
  /** When all that was asked for had been delivered to the scene. */
  deliveredAt: string | null;
  cancelled: (BloodStep & { reason: string }) | null;
}
