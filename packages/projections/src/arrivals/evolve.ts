import type { ProjectedEvent } from "../shared/projectedEvent.js";
import type { Arrival } from "./state.js";

/**
 * The incoming-transfer document of one transfer stream. Pure: the document is copied, never mutated; null
 * removes it (handed over or cancelled: nothing is incoming any more).
 */
export const evolveArrival = (
  current: Arrival | null,
  { event, recorded }: ProjectedEvent,
): Arrival | null => {
  if (event.type === "TransferRequested") {
    const d = event.data;
    return {
      id: recorded.streamId,
      transferId: d.transferId,
      caseId: d.caseId,
      patientKind: d.patientKind,
      patient: d.patient,
      riskGrade: d.riskGrade,
      originInstitutionId: d.originInstitutionId,
      destinationInstitutionId: d.destinationInstitutionId,
      clinicalSummary: d.clinicalSummary,
      ambulance: null,
      status: "requested",
      departedAt: null,
      conditionAtDeparture: null,
      escorts: [],
      enRouteCare: [],
      arrivedAt: null,
      alert: null,
      lastPosition: recorded.position,
    };
  }
  if (!current) return null;
  const at = event.data.occurredAt;
  const next = (changes: Partial<Arrival>): Arrival => ({
    ...current,
    ...changes,
    lastPosition: recorded.position,
  });
  switch (event.type) {
    case "UnitDispatched":
      return next({ ambulance: { id: event.data.ambulanceId, type: event.data.ambulanceType } });
    case "TransferDeparted":
      return next({
        status: "en_route",
        departedAt: at,
        conditionAtDeparture: event.data.condition,
        escorts: event.data.escorts,
      });
    case "EnRouteCareRecorded": {
      const d = event.data;
      const entry = {
        kind: d.kind,
        description: d.description,
        performedBy: d.performedBy,
        vitalSigns: d.vitalSigns ?? null,
        occurredAt: at,
      };
      // Late entries (补录) land in the order they happened.
      const enRouteCare = [...current.enRouteCare, entry].sort(
        (a, b) => Date.parse(a.occurredAt) - Date.parse(b.occurredAt),
      );
      return next({ enRouteCare });
    }
    case "TransferDiverted":
      return next({ destinationInstitutionId: event.data.toInstitutionId });
    case "TransferArrived":
      return next({ status: "arrived", arrivedAt: at, destinationInstitutionId: event.data.institutionId });
    case "HandoverCompleted":
    case "TransferCancelled":
      return null;
    case "PreArrivalAlertRaised": {
      const d = event.data;
      return next({
        destinationInstitutionId: d.destinationInstitutionId,
        alert: {
          alertedAt: at,
          cause: d.cause,
          expectedArrivalAt: d.expectedArrivalAt ?? null,
          etaUpdatedBy: null,
          asks: d.readiness.asks,
          askNote: d.readiness.note ?? null,
          acknowledgedBy: null,
          acknowledgedAt: null,
        },
      });
    }
    case "PreArrivalEtaUpdated":
      return current.alert
        ? next({
            alert: {
              ...current.alert,
              expectedArrivalAt: event.data.expectedArrivalAt,
              etaUpdatedBy: event.data.updatedBy,
            },
          })
        : current;
    case "PreArrivalAlertAcknowledged":
      return current.alert
        ? next({ alert: { ...current.alert, acknowledgedBy: event.data.acknowledgedBy, acknowledgedAt: at } })
        : current;
    default:
      return current;
  }
};
