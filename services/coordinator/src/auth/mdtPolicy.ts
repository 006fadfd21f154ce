import { type DomainEvent, type MdtCommand, mdtStreamId } from "@mtc/domain";
import { forbidden, notFound } from "../errors.js";
import { institutionBoundRoles, type Principal, type Role } from "./roles.js";

/** The hospital that runs an MDT (救治机构), read off its first event; undefined for an unknown MDT. */
export const mdtHospitalOf = (history: readonly DomainEvent[]): string | undefined => {
  for (const { type, data } of history)
    if (type === "GreenChannelOpened" || type === "MdtPreActivated") return data.hospitalId;
  return undefined;
};

const staff: readonly Role[] = ["hospital_staff", "medical_affairs"];
const medicalAffairs: readonly Role[] = ["medical_affairs"];

/**
 * 000 §十六(二)(三): the receiving department (hospital staff) opens the green channel and asks for activation;
 * medical affairs activates and runs the MDT. Staff on scene also record arrivals and standby acknowledgements.
 */
const mdtPermissions: Record<MdtCommand["type"], readonly Role[]> = {
  OpenGreenChannel: staff,
  RequestActivation: staff,
  PreActivateMdt: medicalAffairs,
  ActivateMdt: medicalAffairs,
  ArrangeConsultation: medicalAffairs,
  CallLead: medicalAffairs,
  CallSpecialist: medicalAffairs,
  CallHospitalHead: medicalAffairs,
  RecordMemberArrival: staff,
  AppointLeader: medicalAffairs,
  PutOnStandby: medicalAffairs,
  AcknowledgeStandby: staff,
  DeclareFullyStaffed: medicalAffairs,
  RequestUpperConsultation: medicalAffairs,
  RecordConsultationAnswer: medicalAffairs,
  RecordConsultantArrival: staff,
  StandDownMdt: medicalAffairs,
};

/** `RecordMemberArrival` → `record member arrival`, for messages. */
const describe = (type: string): string => type.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();

/**
 * Roles first (403), then the record: another hospital's MDT answers the very 404 of an unknown one (issue 8
 * finding 1). Creations name the hospital: only its own staff may open one.
 */
export const authoriseMdtCommand = (
  history: readonly DomainEvent[],
  principal: Principal,
  command: MdtCommand,
): void => {
  if (principal.role === "auditor") throw forbidden("auditors read; they do not write");
  const what = describe(command.type);
  if (!mdtPermissions[command.type].includes(principal.role))
    throw forbidden(`role ${principal.role} may not ${what}`);
  const bound = institutionBoundRoles.has(principal.role);
  if (command.type === "OpenGreenChannel" || command.type === "PreActivateMdt") {
    if (bound && principal.institutionId !== command.data.institutionId)
      throw forbidden(`you may ${what} only for your own institution`);
    return;
  }
  const hospital = mdtHospitalOf(history);
  if (hospital !== undefined && bound && hospital !== principal.institutionId)
    throw notFound(`record ${mdtStreamId(command.mdtId)}`);
};

/** Roles that see MDT activations: the hospital's own staff, and the region's readers (auditor, administration). */
export const MDT_READERS: ReadonlySet<Role> = new Set([
  "hospital_staff",
  "medical_affairs",
  "auditor",
  "health_admin",
  "admin",
]);

/** May this principal read this hospital's MDTs? Hospitals their own; region-wide readers all; others none. */
export const readsMdtOf = (principal: Principal, hospitalId: string): boolean =>
  MDT_READERS.has(principal.role) &&
  (!institutionBoundRoles.has(principal.role) || principal.institutionId === hospitalId);
