import { describe, expect, it } from "vitest";
import { minutesAgo } from "../testing/fixture.js";
import { specification } from "../testing/specification.js";
import type { Judgement, MdtCommand } from "./commands.js";
import { mdtDecider } from "./decide.js";
import type { MdtEvent } from "./events.js";

const given = specification(mdtDecider);
const mdtId = "m1";
const link = { mdtId, caseId: "case1", transferId: "t1" };
const pph: Judgement = {
  riskGrade: "red",
  lifeThreatening: true,
  condition: "postpartum_haemorrhage",
  severeEmergency: false,
};
const afe: Judgement = { ...pph, condition: "amniotic_fluid_embolism" };

const greenChannel: MdtEvent = {
  type: "GreenChannelOpened",
  data: {
    ...link,
    hospitalId: "centre",
    department: "产科",
    openedBy: "张医生",
    reportedTo: "王主任",
    occurredAt: minutesAgo(60),
  },
};
const requested = (judgement: Judgement = pph): MdtEvent => ({
  type: "ActivationRequested",
  data: { ...link, judgement, reason: "产后出血 2000 mL", requestedBy: "王主任", occurredAt: minutesAgo(58) },
});
const activated: MdtEvent = {
  type: "MdtActivated",
  data: { ...link, activatedBy: "医务科 李科长", occurredAt: minutesAgo(55) },
};
const called = (
  callId: string,
  role: "lead" | "specialist" | "hospital_head",
  person: string,
  minutes: number,
): MdtEvent => ({
  type: "MemberCalled",
  data: {
    ...link,
    callId,
    role,
    ...(role === "lead" ? { department: "obstetrics" as const, rank: "chief" as const } : {}),
    ...(role === "specialist" ? { department: "icu" as const, rank: "associate_chief" as const } : {}),
    ...(role === "hospital_head" ? { position: "deputy_in_charge" as const } : {}),
    person,
    countsTowardRule: true,
    calledBy: "医务科 李科长",
    occurredAt: minutesAgo(minutes),
  },
});
const arrived = (callId: string, person: string, minutes: number): MdtEvent => ({
  type: "MemberArrived",
  data: { ...link, callId, person, occurredAt: minutesAgo(minutes) },
});
const leader: MdtEvent = {
  type: "LeaderAppointed",
  data: {
    ...link,
    callId: "call1",
    person: "赵主任",
    appointedBy: "医务科 李科长",
    occurredAt: minutesAgo(40),
  },
};
const cmd = <T extends MdtCommand["type"]>(type: T, data: Extract<MdtCommand, { type: T }>["data"]) =>
  ({ type, mdtId, data }) as MdtCommand;

describe("MDT activation, 000 §十六", () => {
  it("R-MDT-1 the receiving department opens the green channel and reports to its head", () => {
    given([])
      .when(
        cmd("OpenGreenChannel", {
          caseId: "case1",
          transferId: "t1",
          institutionId: "centre",
          department: "产科",
          openedBy: "张医生",
          reportedTo: "王主任",
          occurredAt: minutesAgo(60),
        }),
      )
      .then([greenChannel]);
  });

  it("R-MDT-1 a green channel for a hospital not in the reference data is refused", () => {
    given([])
      .when(
        cmd("OpenGreenChannel", {
          caseId: "case1",
          institutionId: "nowhere",
          department: "产科",
          openedBy: "张医生",
          reportedTo: "王主任",
          occurredAt: minutesAgo(60),
        }),
      )
      .thenRejects("unknown_institution");
  });

  it("R-MDT-2 the head requests activation with the judgement and reason; medical affairs activates", () => {
    given([greenChannel])
      .when(
        cmd("RequestActivation", {
          judgement: pph,
          reason: "产后出血 2000 mL",
          requestedBy: "王主任",
          occurredAt: minutesAgo(58),
        }),
      )
      .then([requested()]);
    given([greenChannel, requested()])
      .when(cmd("ActivateMdt", { activatedBy: "医务科 李科长", occurredAt: minutesAgo(55) }))
      .then([activated]);
  });

  it("R-MDT-2 activation needs a request first", () => {
    given([greenChannel])
      .when(cmd("ActivateMdt", { activatedBy: "医务科 李科长", occurredAt: minutesAgo(55) }))
      .thenRejects("mdt_green_channel");
  });

  it("R-MDT-2 medical affairs pre-activates from the pre-arrival alert, before she arrives", () => {
    const [event] = given([])
      .when(
        cmd("PreActivateMdt", {
          caseId: "case1",
          transferId: "t1",
          institutionId: "centre",
          judgement: pph,
          reason: "转运途中 产后出血",
          activatedBy: "医务科 李科长",
          occurredAt: minutesAgo(60),
        }),
      )
      .then([expect.objectContaining({ type: "MdtPreActivated" }) as unknown as MdtEvent]) as MdtEvent[];
    expect(event?.data).toMatchObject({ mdtId, caseId: "case1", transferId: "t1", hospitalId: "centre" });
  });

  it("R-MDT-3 the OB lead is called and arrives; each call and arrival is an event with person, rank and time", () => {
    given([greenChannel, requested(), activated])
      .when(
        cmd("CallLead", {
          department: "obstetrics",
          person: "赵主任",
          rank: "chief",
          calledBy: "医务科 李科长",
          occurredAt: minutesAgo(50),
        }),
      )
      .then([called("call1", "lead", "赵主任", 50)]);
    given([greenChannel, requested(), activated, called("call1", "lead", "赵主任", 50)])
      .when(cmd("RecordMemberArrival", { callId: "call1", occurredAt: minutesAgo(45) }))
      .then([arrived("call1", "赵主任", 45)]);
  });

  it("R-MDT-3 a specialist below associate chief is refused without an override reason", () => {
    const history = [greenChannel, requested(), activated];
    const call = {
      department: "cardiology" as const,
      person: "钱医生",
      rank: "attending" as const,
      calledBy: "医务科 李科长",
      occurredAt: minutesAgo(50),
    };
    const refusal = given(history).when(cmd("CallSpecialist", call)).thenRejects("specialist_rank_too_low");
    expect(refusal.rule).toBe("R-MDT-3");
    given(history)
      .when(cmd("CallSpecialist", { ...call, overrideReason: "副主任医师均在手术中" }))
      .then([
        {
          type: "MemberCalled",
          data: {
            ...link,
            callId: "call1",
            role: "specialist",
            department: "cardiology",
            person: "钱医生",
            rank: "attending",
            countsTowardRule: false,
            overrideReason: "副主任医师均在手术中",
            calledBy: "医务科 李科长",
            occurredAt: minutesAgo(50),
          },
        },
      ]);
  });

  it("R-MDT-3 an associate-chief specialist counts towards the rule", () => {
    given([greenChannel, requested(), activated])
      .when(
        cmd("CallSpecialist", {
          department: "icu",
          person: "孙主任",
          rank: "associate_chief",
          calledBy: "医务科 李科长",
          occurredAt: minutesAgo(50),
        }),
      )
      .then([called("call1", "specialist", "孙主任", 50)]);
  });

  it("R-MDT-3 the leader is one of the experts on scene", () => {
    const lead = called("call1", "lead", "赵主任", 50);
    given([greenChannel, requested(), activated, lead])
      .when(
        cmd("AppointLeader", { callId: "call1", appointedBy: "医务科 李科长", occurredAt: minutesAgo(40) }),
      )
      .thenRejects("leader_not_on_scene");
    given([greenChannel, requested(), activated, lead, arrived("call1", "赵主任", 45)])
      .when(
        cmd("AppointLeader", { callId: "call1", appointedBy: "医务科 李科长", occurredAt: minutesAgo(40) }),
      )
      .then([leader]);
  });

  it("R-MDT-3 lab, imaging, transfusion, theatre, anaesthesia and logistics stand by and each acknowledges", () => {
    const services = ["lab", "imaging", "transfusion", "theatre", "anaesthesia", "logistics"] as const;
    const standby: MdtEvent = {
      type: "ServicesPutOnStandby",
      data: { ...link, services: [...services], requestedBy: "医务科 李科长", occurredAt: minutesAgo(50) },
    };
    given([greenChannel, requested(), activated])
      .when(
        cmd("PutOnStandby", {
          services: [...services],
          requestedBy: "医务科 李科长",
          occurredAt: minutesAgo(50),
        }),
      )
      .then([standby]);
    given([greenChannel, requested(), activated, standby])
      .when(
        cmd("AcknowledgeStandby", {
          service: "transfusion",
          acknowledgedBy: "输血科 周",
          occurredAt: minutesAgo(48),
        }),
      )
      .then([
        {
          type: "StandbyAcknowledged",
          data: { ...link, service: "transfusion", acknowledgedBy: "输血科 周", occurredAt: minutesAgo(48) },
        },
      ]);
    given([greenChannel, requested(), activated])
      .when(
        cmd("AcknowledgeStandby", { service: "lab", acknowledgedBy: "检验科", occurredAt: minutesAgo(48) }),
      )
      .thenRejects("not_on_standby");
  });

  it("R-MDT-3 fully staffed needs the lead on scene and a leader", () => {
    given([greenChannel, requested(), activated])
      .when(cmd("DeclareFullyStaffed", { declaredBy: "医务科 李科长", occurredAt: minutesAgo(30) }))
      .thenRejects("lead_not_on_scene");
    given([
      greenChannel,
      requested(),
      activated,
      called("call1", "lead", "赵主任", 50),
      arrived("call1", "赵主任", 45),
    ])
      .when(cmd("DeclareFullyStaffed", { declaredBy: "医务科 李科长", occurredAt: minutesAgo(30) }))
      .thenRejects("leader_not_appointed");
  });

  it("R-MDT-4 amniotic-fluid embolism: fully staffed is refused until the hospital's head is on scene", () => {
    const staffed = [
      greenChannel,
      requested(afe),
      activated,
      called("call1", "lead", "赵主任", 50),
      arrived("call1", "赵主任", 45),
      leader,
    ];
    const refusal = given(staffed)
      .when(cmd("DeclareFullyStaffed", { declaredBy: "医务科 李科长", occurredAt: minutesAgo(30) }))
      .thenRejects("hospital_head_not_on_scene");
    expect(refusal.rule).toBe("R-MDT-4");
    const head = called("call2", "hospital_head", "分管副院长 吴", 39);
    given([...staffed, head])
      .when(cmd("DeclareFullyStaffed", { declaredBy: "医务科 李科长", occurredAt: minutesAgo(30) }))
      .thenRejects("hospital_head_not_on_scene");
    given([...staffed, head, arrived("call2", "分管副院长 吴", 35)])
      .when(cmd("DeclareFullyStaffed", { declaredBy: "医务科 李科长", occurredAt: minutesAgo(30) }))
      .then([
        {
          type: "MdtFullyStaffed",
          data: { ...link, declaredBy: "医务科 李科长", occurredAt: minutesAgo(30) },
        },
      ]);
  });

  it("R-MDT-4 PPH without a severe-emergency flag does not need the hospital's head", () => {
    given([
      greenChannel,
      requested(),
      activated,
      called("call1", "lead", "赵主任", 50),
      arrived("call1", "赵主任", 45),
      leader,
    ])
      .when(cmd("DeclareFullyStaffed", { declaredBy: "医务科 李科长", occurredAt: minutesAgo(30) }))
      .then([
        {
          type: "MdtFullyStaffed",
          data: { ...link, declaredBy: "医务科 李科长", occurredAt: minutesAgo(30) },
        },
      ]);
  });

  it("R-MDT-5 an upper-level consultation is requested, answered and the expert arrives", () => {
    const consult: MdtEvent = {
      type: "UpperConsultationRequested",
      data: {
        ...link,
        consultId: "consult1",
        target: "health_administration",
        reason: "需省级专家",
        requestedBy: "医务科 李科长",
        occurredAt: minutesAgo(40),
      },
    };
    given([greenChannel, requested(), activated])
      .when(
        cmd("RequestUpperConsultation", {
          target: "health_administration",
          reason: "需省级专家",
          requestedBy: "医务科 李科长",
          occurredAt: minutesAgo(40),
        }),
      )
      .then([consult]);
    given([greenChannel, requested(), activated, consult])
      .when(
        cmd("RecordConsultationAnswer", {
          consultId: "consult1",
          answer: "省妇幼派专家",
          experts: ["郑教授"],
          answeredBy: "卫健委 妇幼科",
          occurredAt: minutesAgo(30),
        }),
      )
      .then([
        {
          type: "UpperConsultationAnswered",
          data: {
            ...link,
            consultId: "consult1",
            answer: "省妇幼派专家",
            experts: ["郑教授"],
            answeredBy: "卫健委 妇幼科",
            occurredAt: minutesAgo(30),
          },
        },
      ]);
    given([greenChannel, requested(), activated, consult])
      .when(
        cmd("RecordConsultantArrival", {
          consultId: "consult1",
          expert: "郑教授",
          occurredAt: minutesAgo(10),
        }),
      )
      .then([
        {
          type: "UpperConsultantArrived",
          data: { ...link, consultId: "consult1", expert: "郑教授", occurredAt: minutesAgo(10) },
        },
      ]);
    given([greenChannel, requested(), activated])
      .when(
        cmd("RecordConsultantArrival", {
          consultId: "consult9",
          expert: "郑教授",
          occurredAt: minutesAgo(10),
        }),
      )
      .thenRejects("consult_not_found");
  });

  it("R-MDT-6 orange without danger to life: full activation is refused and the consultation path offered", () => {
    const mild = { ...pph, riskGrade: "orange" as const, lifeThreatening: false };
    const refusal = given([greenChannel, requested(mild)])
      .when(cmd("ActivateMdt", { activatedBy: "医务科 李科长", occurredAt: minutesAgo(55) }))
      .thenRejects("full_activation_not_indicated");
    expect(refusal.rule).toBe("R-MDT-6");
    expect(refusal.reason).toContain("ArrangeConsultation");
    given([greenChannel, requested(mild)])
      .when(
        cmd("ArrangeConsultation", {
          departments: ["cardiology"],
          arrangedBy: "医务科 李科长",
          occurredAt: minutesAgo(55),
        }),
      )
      .then([
        {
          type: "DepartmentConsultationArranged",
          data: {
            ...link,
            departments: ["cardiology"],
            arrangedBy: "医务科 李科长",
            occurredAt: minutesAgo(55),
          },
        },
      ]);
  });

  it("R-MDT-6 a yellow life-threatening judgement does not qualify either, nor does pre-activation", () => {
    const yellow = { ...pph, riskGrade: "yellow" as const };
    given([greenChannel, requested(yellow)])
      .when(cmd("ActivateMdt", { activatedBy: "医务科 李科长", occurredAt: minutesAgo(55) }))
      .thenRejects("full_activation_not_indicated");
    given([])
      .when(
        cmd("PreActivateMdt", {
          caseId: "case1",
          transferId: "t1",
          institutionId: "centre",
          judgement: { ...pph, lifeThreatening: false },
          reason: "预警",
          activatedBy: "医务科 李科长",
          occurredAt: minutesAgo(60),
        }),
      )
      .thenRejects("full_activation_not_indicated");
  });

  it("R-MDT-7 stand-down records the outcome and closes the MDT", () => {
    const down: MdtEvent = {
      type: "MdtStoodDown",
      data: { ...link, outcome: "icu", stoodDownBy: "医务科 李科长", occurredAt: minutesAgo(5) },
    };
    given([greenChannel, requested(), activated])
      .when(cmd("StandDownMdt", { outcome: "icu", stoodDownBy: "医务科 李科长", occurredAt: minutesAgo(5) }))
      .then([down]);
    given([greenChannel, requested(), activated, down])
      .when(
        cmd("CallLead", {
          department: "obstetrics",
          person: "赵主任",
          rank: "chief",
          calledBy: "医务科",
          occurredAt: minutesAgo(1),
        }),
      )
      .thenRejects("mdt_stood_down");
  });

  it("R-MDT-7 steps may not run backwards in time", () => {
    given([greenChannel, requested(), activated])
      .when(
        cmd("CallLead", {
          department: "obstetrics",
          person: "赵主任",
          rank: "chief",
          calledBy: "医务科",
          occurredAt: minutesAgo(59),
        }),
      )
      .thenRejects("occurred_before_previous_step");
  });
});
