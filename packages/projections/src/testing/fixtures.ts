import type { RecordedEvent } from "@mtc/eventstore";
import { type ProjectedEvent, toProjectedEvent } from "../shared/projectedEvent.js";

/** Test fixtures: real domain event shapes, recorded with a pinned clock. Not exported from the package. */

export const T0 = Date.parse("2026-03-01T08:00:00.000Z");
/** ISO instant `minutes` after T0. */
export const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

const condition = { summary: "BP 160/110, conscious", vitalSigns: { systolicBp: 160, diastolicBp: 110 } };

export const data = {
  referralRequested: (
    referralId: string,
    caseId: string,
    minutes: number,
    over: Record<string, unknown> = {},
  ) => ({
    referralId,
    caseId,
    patientKind: "maternal",
    patient: { name: "王芳", phone: "13800138000", age: 31 },
    gestationalWeeks: 34,
    riskGrade: "red",
    urgency: "emergency",
    reasons: ["severe pre-eclampsia"],
    clinicalSummary: "G2P1 34w, BP 165/112",
    fromInstitutionId: "clinic_1",
    toInstitutionId: "centre_1",
    destinationFromZone: true,
    requestedBy: "李医生",
    occurredAt: at(minutes),
    ...over,
  }),
  referralAccepted: (referralId: string, minutes: number) => ({
    referralId,
    institutionId: "centre_1",
    acceptedBy: "张主任",
    occurredAt: at(minutes),
  }),
  referralDeclined: (referralId: string, minutes: number) => ({
    referralId,
    institutionId: "centre_1",
    declinedBy: "张主任",
    reason: "no ICU bed",
    occurredAt: at(minutes),
  }),
  referralRedirected: (referralId: string, minutes: number) => ({
    referralId,
    fromInstitutionId: "centre_1",
    toInstitutionId: "centre_2",
    reason: "no ICU bed",
    redirectedBy: "张主任",
    occurredAt: at(minutes),
  }),
  referralCompleted: (referralId: string, minutes: number) => ({
    referralId,
    outcome: "treated_and_discharged",
    occurredAt: at(minutes),
  }),
  referralCancelled: (referralId: string, minutes: number) => ({
    referralId,
    cancelledBy: "李医生",
    reason: "condition improved",
    occurredAt: at(minutes),
  }),
  transferRequested: (
    transferId: string,
    caseId: string,
    minutes: number,
    over: Record<string, unknown> = {},
  ) => ({
    transferId,
    caseId,
    patientKind: "maternal",
    patient: { name: "王芳", phone: "13800138000" },
    riskGrade: "red",
    originInstitutionId: "clinic_1",
    destinationInstitutionId: "centre_1",
    requiredAmbulanceType: ["monitored"],
    escortRequired: true,
    clinicalSummary: "eclampsia",
    requestedBy: "李医生",
    occurredAt: at(minutes),
    ...over,
  }),
  unitDispatched: (transferId: string, minutes: number) => ({
    transferId,
    ambulanceId: "amb_7",
    ambulanceType: "monitored",
    dispatchedBy: "调度员甲",
    occurredAt: at(minutes),
  }),
  unitArrivedAtOrigin: (transferId: string, minutes: number) => ({ transferId, occurredAt: at(minutes) }),
  transferDeparted: (transferId: string, minutes: number) => ({
    transferId,
    condition,
    escorts: ["赵护士"],
    clinicalRecordHandedOver: true,
    occurredAt: at(minutes),
  }),
  enRouteCare: (transferId: string, minutes: number) => ({
    transferId,
    kind: "treatment",
    description: "MgSO4 loading dose",
    performedBy: "赵护士",
    occurredAt: at(minutes),
  }),
  transferArrived: (transferId: string, minutes: number) => ({
    transferId,
    institutionId: "centre_1",
    occurredAt: at(minutes),
  }),
  handoverCompleted: (transferId: string, minutes: number) => ({
    transferId,
    handedOverBy: "赵护士",
    receivedBy: "钱医生",
    condition,
    documents: ["transfer record"],
    occurredAt: at(minutes),
  }),
  transferCancelled: (transferId: string, minutes: number) => ({
    transferId,
    cancelledBy: "李医生",
    reason: "patient stabilised",
    occurredAt: at(minutes),
  }),
};

export interface RecordOptions {
  caseId: string;
  /** Minutes after T0 when the store took it; defaults to the data's occurredAt. */
  recordedAtMinutes?: number;
  commandId?: string;
  schemaVersion?: number;
}

/** Builds a log: positions strictly increasing and deliberately not dense, revisions per stream. */
export const createLog = () => {
  const events: RecordedEvent[] = [];
  const revisions = new Map<string, number>();
  let position = 0;
  let commands = 0;
  const record = (
    streamId: string,
    type: string,
    eventData: unknown,
    options: RecordOptions,
  ): RecordedEvent => {
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    position += 3;
    const occurredAt = (eventData as { occurredAt?: string }).occurredAt ?? at(0);
    const recordedAt = options.recordedAtMinutes === undefined ? occurredAt : at(options.recordedAtMinutes);
    const commandId = options.commandId ?? `cmd_${++commands}`;
    const event: RecordedEvent = {
      id: `00000000-0000-4000-8000-${String(position).padStart(12, "0")}`,
      type,
      data: eventData,
      metadata: {
        actor: { userId: "u1", role: "hospital_staff", institutionId: "clinic_1" },
        caseId: options.caseId,
        causationId: commandId,
        commandId,
        occurredAt,
        schemaVersion: options.schemaVersion ?? 1,
      },
      streamId,
      revision,
      position,
      recordedAt,
    };
    events.push(event);
    return event;
  };
  return { events, record };
};

/** Parses recorded events, failing the test on anything unparsable. */
export const project = (events: readonly RecordedEvent[]): ProjectedEvent[] =>
  events.map((e) => {
    const result = toProjectedEvent(e);
    if (!result.ok) throw new Error(`fixture does not parse: ${result.reason}`);
    return result.projected;
  });
