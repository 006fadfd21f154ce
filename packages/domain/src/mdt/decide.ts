import type { DecisionContext } from "../shared/context.js";
import { type Decider, type Decision, type Rejection, reject } from "../shared/decider.js";
import { checkOccurredAt } from "../shared/steps.js";
import type { MdtCommand } from "./commands.js";
import type { MdtEvent } from "./events.js";
import {
  evolve,
  initialState,
  isAssociateChiefOrAbove,
  type MdtFacts,
  type MdtState,
  type MdtStatus,
  qualifiesForFullActivation,
  requiresHospitalHead,
} from "./mdt.js";

type Cmd<T extends MdtCommand["type"]> = Extract<MdtCommand, { type: T }>;
type Live = Exclude<MdtState, { status: "none" }>;
type Open = Live["status"];

const STATUS_WORDS: Record<MdtStatus, string> = {
  none: "not started",
  green_channel: "a green channel, activation not yet requested",
  requested: "requested, not yet activated",
  activated: "activated",
  fully_staffed: "activated and fully staffed",
  consultation: "led by the department with consultations (no full activation)",
  stood_down: "stood down",
};

const ACTIVE = ["activated", "fully_staffed"] as const;

const wrongStatus = (mdtId: string, state: MdtState, action: string): Rejection =>
  state.status === "none"
    ? reject("mdt_not_found", `MDT ${mdtId} does not exist; ${action} is not possible`)
    : reject(
        `mdt_${state.status}`,
        `MDT ${mdtId} is ${STATUS_WORDS[state.status]}; ${action} is not possible`,
      );

const inStatus = (state: MdtState, statuses: readonly Open[]): state is Live =>
  (statuses as readonly MdtStatus[]).includes(state.status);

const link = (state: MdtFacts, occurredAt: string) => ({
  mdtId: state.mdtId,
  caseId: state.caseId,
  ...(state.transferId !== undefined ? { transferId: state.transferId } : {}),
  occurredAt,
});

/** R-MDT-6, 000 §十六(五): the refusal names the consultation path instead. */
const notIndicated = (): Rejection =>
  reject(
    "full_activation_not_indicated",
    "full MDT activation is for orange-or-above women whose life is in danger (000 §十六(四)); for orange or below without danger to life the department leads and medical affairs arranges consultations (000 §十六(五)): arrange a department-led consultation instead (ArrangeConsultation)",
    "R-MDT-6",
  );

/** Steps after the start share one shape: the right status, then the time check. */
const step = (
  command: MdtCommand,
  state: MdtState,
  context: DecisionContext,
  statuses: readonly Open[],
  action: string,
): Live | Rejection => {
  if (!inStatus(state, statuses)) return wrongStatus(command.mdtId, state, action);
  const time = checkOccurredAt(command.data.occurredAt, state.lastOccurredAt, context.now);
  return time ?? state;
};
const failed = (value: Live | Rejection): value is Rejection => "kind" in value;

const checkHospital = (context: DecisionContext, hospitalId: string): Rejection | undefined =>
  context.reference.institution(hospitalId)
    ? undefined
    : reject("unknown_institution", `institution ${hospitalId} is not in the reference data`);

// R-MDT-1, 000 §十六(二): 相关接诊科室立即开通绿色通道 … 同时报告科室负责人.
export const openGreenChannel = (
  command: Cmd<"OpenGreenChannel">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const { data, mdtId } = command;
  if (state.status !== "none") return reject("mdt_exists", `MDT ${mdtId} already exists`);
  const problem =
    checkOccurredAt(data.occurredAt, undefined, context.now) ?? checkHospital(context, data.institutionId);
  if (problem) return problem;
  const { institutionId, ...rest } = data;
  return [{ type: "GreenChannelOpened", data: { mdtId, ...rest, hospitalId: institutionId } }];
};

// R-MDT-2, 000 §十六(三): medical affairs activates from the pre-arrival alert, before she is at the door;
// the judgement must already qualify (R-MDT-3), else R-MDT-6.
export const preActivateMdt = (
  command: Cmd<"PreActivateMdt">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const { data, mdtId } = command;
  if (state.status !== "none") return reject("mdt_exists", `MDT ${mdtId} already exists`);
  const problem =
    checkOccurredAt(data.occurredAt, undefined, context.now) ?? checkHospital(context, data.institutionId);
  if (problem) return problem;
  if (!qualifiesForFullActivation(data.judgement)) return notIndicated();
  const { institutionId, ...rest } = data;
  return [{ type: "MdtPreActivated", data: { mdtId, ...rest, hospitalId: institutionId } }];
};

// R-MDT-2, 000 §十六(二): 科室负责人或上一级医师 … 向医务部门负责人报告, 提出启动多学科联合救治要求.
export const requestActivation = (
  command: Cmd<"RequestActivation">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ["green_channel"], "requesting activation");
  if (failed(s)) return s;
  const { judgement, reason, requestedBy, occurredAt } = command.data;
  return [{ type: "ActivationRequested", data: { ...link(s, occurredAt), judgement, reason, requestedBy } }];
};

// R-MDT-2, 000 §十六(三): 医务部门负责人 … 立即启动; R-MDT-6: not without the life-threat judgement.
export const activateMdt = (
  command: Cmd<"ActivateMdt">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ["requested"], "activating");
  if (failed(s)) return s;
  if (s.judgement === undefined || !qualifiesForFullActivation(s.judgement)) return notIndicated();
  return [
    {
      type: "MdtActivated",
      data: { ...link(s, command.data.occurredAt), activatedBy: command.data.activatedBy },
    },
  ];
};

// R-MDT-6, 000 §十六(五): 主要由接诊科室负责救治 … 由医务部门及时安排相关科室专家进行会诊.
export const arrangeConsultation = (
  command: Cmd<"ArrangeConsultation">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ["green_channel", "requested"], "arranging a consultation");
  if (failed(s)) return s;
  const { occurredAt, ...rest } = command.data;
  return [{ type: "DepartmentConsultationArranged", data: { ...link(s, occurredAt), ...rest } }];
};

const callId = (state: MdtFacts): string => `call${state.calls.length + 1}`;

// R-MDT-3, 000 §十六(四): 立即通知妇产科或新生儿科主要业务骨干立即到场主持救治.
export const callLead = (
  command: Cmd<"CallLead">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ACTIVE, "calling the lead");
  if (failed(s)) return s;
  const { department, person, rank, calledBy, occurredAt } = command.data;
  return [
    {
      type: "MemberCalled",
      data: {
        ...link(s, occurredAt),
        callId: callId(s),
        role: "lead",
        department,
        person,
        rank,
        countsTowardRule: true,
        calledBy,
      },
    },
  ];
};

// R-MDT-3, 000 §十六(四): 相关科室副主任职称及以上专家到场; below that rank only with a recorded override, and it
// does not count towards the rule.
export const callSpecialist = (
  command: Cmd<"CallSpecialist">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ACTIVE, "calling a specialist");
  if (failed(s)) return s;
  const { department, person, rank, overrideReason, calledBy, occurredAt } = command.data;
  const counts = isAssociateChiefOrAbove(rank);
  if (!counts && overrideReason === undefined) {
    return reject(
      "specialist_rank_too_low",
      `${person} is ${rank}; specialists called to the MDT are associate chief (副主任医师) or above (000 §十六(四)); give an override reason to call them anyway (they will not count towards the rule)`,
      "R-MDT-3",
    );
  }
  return [
    {
      type: "MemberCalled",
      data: {
        ...link(s, occurredAt),
        callId: callId(s),
        role: "specialist",
        department,
        person,
        rank,
        countsTowardRule: counts,
        ...(counts ? {} : { overrideReason }),
        calledBy,
      },
    },
  ];
};

// R-MDT-4, 000 §十六(四): 救治机构主要负责人或分管负责人必须到场协调救治.
export const callHospitalHead = (
  command: Cmd<"CallHospitalHead">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ACTIVE, "calling the hospital's head");
  if (failed(s)) return s;
  const { position, person, calledBy, occurredAt } = command.data;
  return [
    {
      type: "MemberCalled",
      data: {
        ...link(s, occurredAt),
        callId: callId(s),
        role: "hospital_head",
        position,
        person,
        countsTowardRule: true,
        calledBy,
      },
    },
  ];
};

// R-MDT-3: each arrival on scene is recorded with its time.
export const recordMemberArrival = (
  command: Cmd<"RecordMemberArrival">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ACTIVE, "recording an arrival");
  if (failed(s)) return s;
  const call = s.calls.find((c) => c.callId === command.data.callId);
  if (!call) return reject("call_not_found", `MDT ${s.mdtId} has no call ${command.data.callId}`);
  if (call.arrivedAt !== undefined)
    return reject("already_arrived", `${call.person} was recorded on scene at ${call.arrivedAt}`);
  return [
    {
      type: "MemberArrived",
      data: { ...link(s, command.data.occurredAt), callId: call.callId, person: call.person },
    },
  ];
};

// R-MDT-3, 000 §十六(四): 指定专业适宜、经验丰富、责任心强的专家担任组长 — one of the experts on scene.
export const appointLeader = (
  command: Cmd<"AppointLeader">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ACTIVE, "appointing a leader");
  if (failed(s)) return s;
  const call = s.calls.find((c) => c.callId === command.data.callId);
  if (!call || call.role === "hospital_head")
    return reject("call_not_found", `MDT ${s.mdtId} has no lead or specialist call ${command.data.callId}`);
  if (call.arrivedAt === undefined)
    return reject(
      "leader_not_on_scene",
      `${call.person} is not on scene yet; the leader is one of the experts present`,
      "R-MDT-3",
    );
  return [
    {
      type: "LeaderAppointed",
      data: {
        ...link(s, command.data.occurredAt),
        callId: call.callId,
        person: call.person,
        appointedBy: command.data.appointedBy,
      },
    },
  ];
};

// R-MDT-3, 000 §十六(四): 通知本机构检验、影像、输血、手术、麻醉、后勤等科室待命.
export const putOnStandby = (
  command: Cmd<"PutOnStandby">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ACTIVE, "putting departments on standby");
  if (failed(s)) return s;
  const already = new Set(s.standby.map((x) => x.service));
  const services = [...new Set(command.data.services)].filter((x) => !already.has(x));
  if (services.length === 0)
    return reject("already_on_standby", `${command.data.services.join(", ")} already on standby`);
  return [
    {
      type: "ServicesPutOnStandby",
      data: { ...link(s, command.data.occurredAt), services, requestedBy: command.data.requestedBy },
    },
  ];
};

export const acknowledgeStandby = (
  command: Cmd<"AcknowledgeStandby">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ACTIVE, "acknowledging standby");
  if (failed(s)) return s;
  const { service, acknowledgedBy, occurredAt } = command.data;
  const entry = s.standby.find((x) => x.service === service);
  if (!entry) return reject("not_on_standby", `${service} was not put on standby for MDT ${s.mdtId}`);
  if (entry.acknowledgedAt !== undefined)
    return reject("already_acknowledged", `${service} acknowledged at ${entry.acknowledgedAt}`);
  return [{ type: "StandbyAcknowledged", data: { ...link(s, occurredAt), service, acknowledgedBy } }];
};

// R-MDT-3 (lead on scene, leader appointed) and R-MDT-4 (the hospital's head on scene for AFE and the like).
export const declareFullyStaffed = (
  command: Cmd<"DeclareFullyStaffed">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, ["activated"], "declaring the MDT fully staffed");
  if (failed(s)) return s;
  if (!s.calls.some((c) => c.role === "lead" && c.arrivedAt !== undefined))
    return reject(
      "lead_not_on_scene",
      "the obstetric or neonatal lead is not recorded on scene (000 §十六(四))",
      "R-MDT-3",
    );
  if (s.leaderCallId === undefined)
    return reject("leader_not_appointed", "no leader (组长) has been appointed (000 §十六(四))", "R-MDT-3");
  if (
    requiresHospitalHead(s.judgement) &&
    !s.calls.some((c) => c.role === "hospital_head" && c.arrivedAt !== undefined)
  )
    return reject(
      "hospital_head_not_on_scene",
      "amniotic-fluid embolism and similar emergencies need the hospital's head or deputy in charge on scene (000 §十六(四)); record that arrival first",
      "R-MDT-4",
    );
  return [
    {
      type: "MdtFullyStaffed",
      data: { ...link(s, command.data.occurredAt), declaredBy: command.data.declaredBy },
    },
  ];
};

// R-MDT-5, 000 §十六(四): 请上级救治机构专家会诊, 必要时报请卫生计生行政部门协助商请相关专家会诊.
export const requestUpperConsultation = (
  command: Cmd<"RequestUpperConsultation">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(
    command,
    state,
    context,
    [...ACTIVE, "consultation"],
    "requesting an upper-level consultation",
  );
  if (failed(s)) return s;
  const { occurredAt, institutionId, ...rest } = command.data;
  if (institutionId !== undefined) {
    const problem = checkHospital(context, institutionId);
    if (problem) return problem;
  }
  return [
    {
      type: "UpperConsultationRequested",
      data: {
        ...link(s, occurredAt),
        consultId: `consult${s.consults.length + 1}`,
        ...(institutionId !== undefined ? { institutionId } : {}),
        ...rest,
      },
    },
  ];
};

const findConsult = (s: MdtFacts, consultId: string) => s.consults.find((c) => c.consultId === consultId);

// R-MDT-5: their answer.
export const recordConsultationAnswer = (
  command: Cmd<"RecordConsultationAnswer">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, [...ACTIVE, "consultation"], "recording the consultation's answer");
  if (failed(s)) return s;
  const { occurredAt, consultId, ...rest } = command.data;
  if (!findConsult(s, consultId))
    return reject("consult_not_found", `MDT ${s.mdtId} has no consultation ${consultId}`);
  return [{ type: "UpperConsultationAnswered", data: { ...link(s, occurredAt), consultId, ...rest } }];
};

// R-MDT-5: their arrival.
export const recordConsultantArrival = (
  command: Cmd<"RecordConsultantArrival">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(command, state, context, [...ACTIVE, "consultation"], "recording a consultant's arrival");
  if (failed(s)) return s;
  const { occurredAt, consultId, expert } = command.data;
  if (!findConsult(s, consultId))
    return reject("consult_not_found", `MDT ${s.mdtId} has no consultation ${consultId}`);
  return [{ type: "UpperConsultantArrived", data: { ...link(s, occurredAt), consultId, expert } }];
};

// R-MDT-7, 000 §十六(六): the outcome closes the record (handed to ward/ICU/theatre, transferred on, died).
export const standDownMdt = (
  command: Cmd<"StandDownMdt">,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  const s = step(
    command,
    state,
    context,
    ["green_channel", "requested", "activated", "fully_staffed", "consultation"],
    "standing down",
  );
  if (failed(s)) return s;
  const { occurredAt, ...rest } = command.data;
  return [{ type: "MdtStoodDown", data: { ...link(s, occurredAt), ...rest } }];
};

export const decide = (
  command: MdtCommand,
  state: MdtState,
  context: DecisionContext,
): Decision<MdtEvent> => {
  switch (command.type) {
    case "OpenGreenChannel":
      return openGreenChannel(command, state, context);
    case "PreActivateMdt":
      return preActivateMdt(command, state, context);
    case "RequestActivation":
      return requestActivation(command, state, context);
    case "ActivateMdt":
      return activateMdt(command, state, context);
    case "ArrangeConsultation":
      return arrangeConsultation(command, state, context);
    case "CallLead":
      return callLead(command, state, context);
    case "CallSpecialist":
      return callSpecialist(command, state, context);
    case "CallHospitalHead":
      return callHospitalHead(command, state, context);
    case "RecordMemberArrival":
      return recordMemberArrival(command, state, context);
    case "AppointLeader":
      return appointLeader(command, state, context);
    case "PutOnStandby":
      return putOnStandby(command, state, context);
    case "AcknowledgeStandby":
      return acknowledgeStandby(command, state, context);
    case "DeclareFullyStaffed":
      return declareFullyStaffed(command, state, context);
    case "RequestUpperConsultation":
      return requestUpperConsultation(command, state, context);
    case "RecordConsultationAnswer":
      return recordConsultationAnswer(command, state, context);
    case "RecordConsultantArrival":
      return recordConsultantArrival(command, state, context);
    case "StandDownMdt":
      return standDownMdt(command, state, context);
    default: {
      const unexpected: never = command;
      throw new Error(`unknown MDT command ${(unexpected as { type: string }).type}`);
    }
  }
};

export const mdtDecider: Decider<MdtCommand, MdtEvent, MdtState, DecisionContext> = {
  initialState,
  evolve,
  decide,
};
