import type { BloodEvent } from "@mtc/domain";
import type { ProjectedEvent } from "../shared/projectedEvent.js";
import type { BloodConsignmentRecord, BloodQuantity, BloodRequestRecord } from "./state.js";

const addTo = (
  totals: BloodRequestRecord["totals"],
  items: readonly BloodQuantity[],
  field: "requested" | "issued" | "delivered",
): BloodRequestRecord["totals"] => {
  const next = { ...totals };
  for (const { product, unit, quantity } of items) {
    const row = next[product] ?? { unit, requested: 0, issued: 0, delivered: 0 };
    next[product] = { ...row, [field]: row[field] + quantity };
  }
  return next;
};

/** requested → acknowledged → issued → in_transit → delivered, from the record (as the domain's `progressOf`). */
const progressOf = (r: BloodRequestRecord): BloodRequestRecord["progress"] => {
  if (r.cancelled) return "cancelled";
  if (!r.acknowledged) return "requested";
  if (r.consignments.some((c) => c.handedOver && !c.delivered)) return "in_transit";
  const rows = Object.values(r.totals);
  if (rows.length > 0 && rows.every((t) => t.delivered >= t.requested)) return "delivered";
  if (r.issues.length > 0 && rows.some((t) => t.issued > t.delivered)) return "issued";
  return "acknowledged";
};

const withProgress = (r: BloodRequestRecord): BloodRequestRecord => {
  const progress = progressOf(r);
  const deliveredAt =
    progress === "delivered" ? (r.deliveredAt ?? r.consignments.at(-1)?.delivered?.occurredAt ?? null) : null;
  return { ...r, progress, deliveredAt };
};

/**
 * One blood request per `blood-<id>` stream, kept forever (the auditor's completeness reads it). Pure: the record
 * is copied, never mutated.
 */
export const evolveBloodRequest = (
  record: BloodRequestRecord | null,
  { event: domainEvent, recorded }: ProjectedEvent,
): BloodRequestRecord | null => {
  const event = domainEvent as BloodEvent;
  const step = (by: string) => ({ by, occurredAt: event.data.occurredAt, recordedAt: recorded.recordedAt });
  if (event.type === "BloodRequested") {
    const d = event.data;
    return withProgress({
      bloodRequestId: d.bloodRequestId,
      caseId: d.caseId,
      transferId: d.transferId ?? null,
      requestingInstitutionId: d.requestingInstitutionId,
      bloodStationId: d.bloodStationId,
      urgency: d.urgency,
      phase: d.phase,
      indication: d.indication,
      bloodGroup: d.bloodGroup,
      destination: d.destination,
      progress: "requested",
      requested: { ...step(d.requestedBy), products: d.products },
      extraRequests: [],
      totals: addTo({}, d.products, "requested"),
      acknowledged: null,
      preparationStarted: null,
      issues: [],
      fullyIssuedAt: null,
      consignments: [],
      deliveredAt: null,
      cancelled: null,
    });
  }
  if (!record) return null;
  const setBox = (n: number, change: (c: BloodConsignmentRecord) => BloodConsignmentRecord) =>
    record.consignments.map((c) => (c.consignment === n ? change(c) : c));
  switch (event.type) {
    case "BloodRequestExtended":
      return withProgress({
        ...record,
        extraRequests: [
          ...record.extraRequests,
          { ...step(event.data.requestedBy), products: event.data.products, reason: event.data.reason },
        ],
        totals: addTo(record.totals, event.data.products, "requested"),
        fullyIssuedAt: null,
        deliveredAt: null,
      });
    case "BloodRequestAcknowledged":
      return withProgress({ ...record, acknowledged: step(event.data.acknowledgedBy) });
    case "BloodPreparationStarted":
      return withProgress({ ...record, preparationStarted: step(event.data.preparedBy) });
    case "BloodIssued":
      return withProgress({
        ...record,
        issues: [...record.issues, { ...step(event.data.issuedBy), partial: event.data.partial }],
        totals: addTo(record.totals, event.data.items, "issued"),
        fullyIssuedAt: event.data.partial ? record.fullyIssuedAt : event.data.occurredAt,
      });
    case "BloodPacked":
      return withProgress({
        ...record,
        consignments: [
          ...record.consignments,
          {
            consignment: event.data.consignment,
            items: event.data.items,
            packed: step(event.data.packedBy),
            handedOver: null,
            delivered: null,
          },
        ],
      });
    case "BloodHandedOver": {
      const d = event.data;
      const handedOver = {
        ...step(d.handedOverBy),
        transport: d.transport,
        vehicle: d.vehicle,
        carriedBy: d.carriedBy,
      };
      return withProgress({ ...record, consignments: setBox(d.consignment, (c) => ({ ...c, handedOver })) });
    }
    case "BloodDelivered": {
      const d = event.data;
      const box = record.consignments.find((c) => c.consignment === d.consignment);
      const delivered = { ...step(d.receivedBy), temperatures: d.temperatures };
      return withProgress({
        ...record,
        consignments: setBox(d.consignment, (c) => ({ ...c, delivered })),
        totals: addTo(record.totals, box?.items ?? [], "delivered"),
      });
    }
    case "BloodRequestCancelled":
      return withProgress({
        ...record,
        cancelled: { ...step(event.data.cancelledBy), reason: event.data.reason },
      });
    default:
      return record;
  }
};
