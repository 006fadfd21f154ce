import { describe, expect, it } from "vitest";
import { fold } from "../shared/decider.js";
import type { RiskGrade } from "../shared/risk.js";
import { minutesAgo, NOW } from "../testing/fixture.js";
import { specification } from "../testing/specification.js";
import type { ReferralCommand } from "./commands.js";
import { referralDecider } from "./decide.js";
import type { ReferralEvent } from "./events.js";

const given = specification(referralDecider);
const referralId = "r1";
const patient = { name: "王小红" };

const request = (
  data: Partial<Extract<ReferralCommand, { type: "RequestReferral" }>["data"]> = {},
): ReferralCommand => ({
  type: "RequestReferral",
  referralId,
  data: {
    caseId: "case1",
    patientKind: "maternal",
    patient,
    riskGrade: "red",
    urgency: "emergency",
    reasons: ["重度子痫前期"],
    clinicalSummary: "孕34周，血压170/115",
    fromInstitutionId: "mch1",
    requestedBy: "李医生",
    occurredAt: minutesAgo(60),
    ...data,
  },
});

const requested = (riskGrade: RiskGrade = "red", toInstitutionId = "centre"): ReferralEvent => ({
  type: "ReferralRequested",
  data: {
    referralId,
    caseId: "case1",
    patientKind: "maternal",
    patient,
    riskGrade,
    urgency: "emergency",
    reasons: ["重度子痫前期"],
    clinicalSummary: "孕34周，血压170/115",
    fromInstitutionId: "mch1",
    toInstitutionId,
    destinationFromZone: true,
    requestedBy: "李医生",
    occurredAt: minutesAgo(60),
  },
});

const accepted: ReferralEvent = {
  type: "ReferralAccepted",
  data: { referralId, institutionId: "centre", acceptedBy: "张主任", occurredAt: minutesAgo(50) },
};
const received: ReferralEvent = {
  type: "PatientReceived",
  data: {
    referralId,
    institutionId: "centre",
    receivedBy: "赵护士",
    handedOverBy: "李医生",
    offProtocol: false,
    occurredAt: minutesAgo(20),
  },
};
const cancelled: ReferralEvent = {
  type: "ReferralCancelled",
  data: { referralId, cancelledBy: "李医生", reason: "病情好转", occurredAt: minutesAgo(40) },
};

const accept = (occurredAt = minutesAgo(30), expectedArrivalAt?: string): ReferralCommand => ({
  type: "AcceptReferral",
  referralId,
  data: { acceptedBy: "张主任", occurredAt, expectedArrivalAt },
});

const decline = (
  extra: { redirectTo?: string; escalate?: { difficulty: string } } = {},
): ReferralCommand => ({
  type: "DeclineReferral",
  referralId,
  data: { declinedBy: "张主任", reason: "ICU无床位", occurredAt: minutesAgo(30), ...extra },
});

const reception = (institutionId?: string): ReferralCommand => ({
  type: "RecordReception",
  referralId,
  data: { institutionId, receivedBy: "赵护士", handedOverBy: "李医生", occurredAt: minutesAgo(10) },
});

describe("referral: request", () => {
  it("000 §十一(一) R-REF-2: without a destination, the zone's maternal rescue centre is suggested", () => {
    given([]).when(request()).then([requested()]);
  });

  it("000 §十一(一) R-REF-2: a newborn goes by default to the zone's neonatal rescue centre", () => {
    const [event] = given([])
      .when(request({ patientKind: "neonatal" }))
      .then([expect.objectContaining({ type: "ReferralRequested" }) as unknown as ReferralEvent]);
    expect(event?.type === "ReferralRequested" && event.data.toInstitutionId).toBe("neo");
  });

  it("001 (五) R-REF-2: a named specialist destination is kept, and destinationFromZone is false", () => {
    const [event] = given([])
      .when(request({ toInstitutionId: "neo" }))
      .then([expect.objectContaining({ type: "ReferralRequested" }) as unknown as ReferralEvent]);
    expect(event?.type === "ReferralRequested" && event.data.destinationFromZone).toBe(false);
  });

  it("000 §十一 R-REF-2: an institution no zone covers must name the destination", () => {
    given([])
      .when(request({ fromInstitutionId: "clinic9" }))
      .thenRejects("no_responsibility_zone");
  });

  it("002 二(五) R-REF-1: the transferring institution must exist", () => {
    given([])
      .when(request({ fromInstitutionId: "nowhere" }))
      .thenRejects("unknown_institution");
  });

  it("002 二(五) R-REF-1: the destination must exist", () => {
    given([])
      .when(request({ toInstitutionId: "nowhere" }))
      .thenRejects("unknown_institution");
  });

  it("002 二(五) R-REF-1: a referral cannot be addressed to its own origin", () => {
    given([])
      .when(request({ fromInstitutionId: "centre", toInstitutionId: "centre" }))
      .thenRejects("destination_is_origin");
  });

  it("002 二(五) R-REF-1: a dispatch centre, blood station or primary clinic cannot receive a referral", () => {
    for (const to of ["disp", "blood", "clinic1"]) {
      given([])
        .when(request({ toInstitutionId: to }))
        .thenRejects("destination_cannot_receive");
    }
  });

  it("002 二(三) R-RISK-5: a yellow woman is not referred to a level-1 institution", () => {
    given([])
      .when(request({ riskGrade: "yellow", toInstitutionId: "mw1" }))
      .thenRejects("destination_cannot_receive");
  });

  it("000 §十(八): a referral is requested only once on a stream", () => {
    given([requested()]).when(request()).thenRejects("referral_exists");
  });
});

describe("referral: accept", () => {
  it("000 §十(七) R-REF-3: the destination accepts a requested referral", () => {
    given([requested()])
      .when(accept(minutesAgo(30), minutesAgo(-30)))
      .then([
        {
          type: "ReferralAccepted",
          data: {
            referralId,
            institutionId: "centre",
            acceptedBy: "张主任",
            expectedArrivalAt: minutesAgo(-30),
            occurredAt: minutesAgo(30),
          },
        },
      ]);
  });

  it("000 §十八(二): the expected arrival cannot be before the acceptance", () => {
    given([requested()])
      .when(accept(minutesAgo(30), minutesAgo(40)))
      .thenRejects("expected_arrival_before_acceptance");
  });

  it("000 §十(八): a cancelled referral cannot be accepted, and says so in words", () => {
    const rejection = given([requested(), cancelled]).when(accept()).thenRejects("referral_cancelled");
    expect(rejection.reason).toBe("referral r1 is cancelled; it cannot be accepted");
  });
});

describe("referral: decline", () => {
  it("000 §十(七) R-REF-3: declining a red referral without redirect or escalation is refused", () => {
    const rejection = given([requested("red")])
      .when(decline())
      .thenRejects("decline_needs_redirect_or_escalation");
    expect(rejection.rule).toBe("R-REF-3");
  });

  it("002 二(五) R-REF-3: declining an orange referral with a redirect emits declined then redirected", () => {
    given([requested("orange")])
      .when(decline({ redirectTo: "gen1" }))
      .then([
        {
          type: "ReferralDeclined",
          data: {
            referralId,
            institutionId: "centre",
            declinedBy: "张主任",
            reason: "ICU无床位",
            occurredAt: minutesAgo(30),
          },
        },
        {
          type: "ReferralRedirected",
          data: {
            referralId,
            fromInstitutionId: "centre",
            toInstitutionId: "gen1",
            reason: "ICU无床位",
            redirectedBy: "张主任",
            occurredAt: minutesAgo(30),
          },
        },
      ]);
  });

  it("000 §十(六) R-REF-4: declining a purple referral with an escalation emits declined then escalated, and stays open", () => {
    const events = given([requested("purple")])
      .when(decline({ escalate: { difficulty: "无负压病房" } }))
      .then([
        expect.objectContaining({ type: "ReferralDeclined" }) as unknown as ReferralEvent,
        {
          type: "ReferralEscalated",
          data: { referralId, escalatedBy: "张主任", difficulty: "无负压病房", occurredAt: minutesAgo(30) },
        },
      ]);
    expect(fold(referralDecider, [requested("purple"), ...events]).status).toBe("escalated");
  });

  it("000 §十(七) R-REF-3: a decline cannot redirect to an institution that cannot receive her", () => {
    given([requested("red")])
      .when(decline({ redirectTo: "blood" }))
      .thenRejects("destination_cannot_receive");
  });

  it("002 二(五) R-REF-3: a plain decline of a yellow referral closes it", () => {
    const events = given([requested("yellow")])
      .when(decline())
      .then([expect.objectContaining({ type: "ReferralDeclined" }) as unknown as ReferralEvent]);
    const state = fold(referralDecider, [requested("yellow"), ...events]);
    expect(state.status).toBe("declined");
    given([requested("yellow"), ...events])
      .when(accept(minutesAgo(20)))
      .thenRejects("referral_declined");
  });
});

describe("referral: redirect and escalate", () => {
  it("001 (五) R-REF-2: a redirect changes the destination and the referral is requested again", () => {
    const command: ReferralCommand = {
      type: "RedirectReferral",
      referralId,
      data: {
        toInstitutionId: "gen1",
        reason: "专科优势",
        redirectedBy: "李医生",
        occurredAt: minutesAgo(30),
      },
    };
    const events = given([requested(), accepted])
      .when(command)
      .then([
        {
          type: "ReferralRedirected",
          data: {
            referralId,
            fromInstitutionId: "centre",
            toInstitutionId: "gen1",
            reason: "专科优势",
            redirectedBy: "李医生",
            occurredAt: minutesAgo(30),
          },
        },
      ]);
    const state = fold(referralDecider, [requested(), accepted, ...events]);
    expect(state.status === "requested" && state.destinations).toEqual(["centre", "gen1"]);
  });

  it("000 §十一(七) R-REF-4: difficulties may be escalated any number of times while the referral is open", () => {
    const escalate = (occurredAt: string): ReferralCommand => ({
      type: "EscalateReferral",
      referralId,
      data: { escalatedBy: "李医生", difficulty: "联系不上救治中心", occurredAt },
    });
    const first: ReferralEvent = {
      type: "ReferralEscalated",
      data: { referralId, escalatedBy: "李医生", difficulty: "联系不上救治中心", occurredAt: minutesAgo(40) },
    };
    given([requested()])
      .when(escalate(minutesAgo(40)))
      .then([first]);
    given([requested(), first])
      .when(escalate(minutesAgo(30)))
      .then([{ type: "ReferralEscalated", data: { ...first.data, occurredAt: minutesAgo(30) } }]);
    given([requested(), cancelled])
      .when(escalate(minutesAgo(30)))
      .thenRejects("referral_cancelled");
  });
});

describe("referral: reception", () => {
  it("000 §十八(二) R-REF-6: reception of an accepted referral records the handover person", () => {
    given([requested(), accepted])
      .when(reception())
      .then([
        {
          type: "PatientReceived",
          data: {
            referralId,
            institutionId: "centre",
            receivedBy: "赵护士",
            handedOverBy: "李医生",
            offProtocol: false,
            occurredAt: minutesAgo(10),
          },
        },
      ]);
  });

  it("001 (五) R-REF-5: a woman who arrives before acceptance is received all the same, off-protocol", () => {
    const [event] = given([requested()])
      .when(reception())
      .then([expect.objectContaining({ type: "PatientReceived" }) as unknown as ReferralEvent]);
    expect(event?.type === "PatientReceived" && event.data.offProtocol).toBe(true);
  });

  it("001 (五) R-REF-5: a woman who arrives at another institution is received there, off-protocol", () => {
    const [event] = given([requested(), accepted])
      .when(reception("gen1"))
      .then([expect.objectContaining({ type: "PatientReceived" }) as unknown as ReferralEvent]);
    expect(event?.type === "PatientReceived" && event.data).toMatchObject({
      institutionId: "gen1",
      offProtocol: true,
    });
  });

  it("001 (五) R-REF-5: an off-protocol arrival opens a referral already received", () => {
    const command: ReferralCommand = {
      type: "RegisterOffProtocolArrival",
      referralId,
      data: {
        caseId: "case2",
        patientKind: "maternal",
        patient,
        riskGrade: "red",
        institutionId: "centre",
        clinicalSummary: "自行来院，产后出血",
        receivedBy: "赵护士",
        occurredAt: minutesAgo(10),
      },
    };
    const events = given([])
      .when(command)
      .then([
        {
          type: "OffProtocolArrivalRegistered",
          data: {
            referralId,
            ...(command.type === "RegisterOffProtocolArrival" ? command.data : ({} as never)),
          },
        },
      ]);
    const state = fold(referralDecider, events);
    expect(state.status === "received" && state.offProtocol).toBe(true);
    given(events).when(command).thenRejects("referral_exists");
  });
});

describe("referral: cancel and complete", () => {
  it("000 §十(八): an open referral can be cancelled, a received one cannot", () => {
    const command: ReferralCommand = {
      type: "CancelReferral",
      referralId,
      data: { cancelledBy: "李医生", reason: "病情好转", occurredAt: minutesAgo(5) },
    };
    given([requested(), accepted])
      .when(command)
      .then([{ type: "ReferralCancelled", data: { ...command.data, referralId } as never }]);
    given([requested(), accepted, received]).when(command).thenRejects("referral_received");
  });

  it("000 §十(八): a referral is completed only after she is received", () => {
    const command: ReferralCommand = {
      type: "CompleteReferral",
      referralId,
      data: { outcome: "treated_and_discharged", occurredAt: minutesAgo(5) },
    };
    given([requested(), accepted]).when(command).thenRejects("referral_accepted");
    given([requested(), accepted, received])
      .when(command)
      .then([
        {
          type: "ReferralCompleted",
          data: {
            referralId,
            outcome: "treated_and_discharged",
            notes: undefined,
            occurredAt: minutesAgo(5),
          },
        },
      ]);
  });
});

describe("referral: occurredAt", () => {
  it("000 §十八(二): a step may not be dated before the previous step", () => {
    given([requested(), accepted])
      .when(reception())
      .then([expect.anything() as unknown as ReferralEvent]);
    given([requested()])
      .when(accept(minutesAgo(61)))
      .thenRejects("occurred_before_previous_step");
  });

  it("000 §十八(二): a step may not be dated in the future beyond the allowed clock skew", () => {
    given([])
      .when(request({ occurredAt: new Date(NOW.getTime() + 60_000).toISOString() }))
      .then([expect.anything() as unknown as ReferralEvent]);
    given([requested()])
      .when(accept(minutesAgo(-3)))
      .thenRejects("occurred_in_future");
  });
});
