import { describe, expect, it } from "vitest";
import { fold } from "../shared/decider.js";
import { minutesAgo } from "../testing/fixture.js";
import { specification } from "../testing/specification.js";
import { progressOf } from "./blood.js";
import { type BloodCommand, bloodCommandSchemas } from "./commands.js";
import { bloodDecider } from "./decide.js";
import type { BloodEvent } from "./events.js";

const given = specification(bloodDecider);
const bloodRequestId = "b1";
const ids = { bloodRequestId, caseId: "case1", transferId: "t1" };
const redCells4 = { product: "red_cells", unit: "U", quantity: 4 } as const;
const plasma400 = { product: "plasma", unit: "mL", quantity: 400 } as const;
const oPos = { abo: "O", rhD: "positive" } as const;

const requestCommand = (
  data: Partial<Extract<BloodCommand, { type: "RequestBlood" }>["data"]> = {},
): BloodCommand => ({
  type: "RequestBlood",
  bloodRequestId,
  data: {
    caseId: "case1",
    transferId: "t1",
    requestingInstitutionId: "centre",
    phase: "postpartum",
    indication: "postpartum_haemorrhage",
    bloodGroup: oPos,
    products: [redCells4, plasma400],
    urgency: "emergency",
    destination: { institutionId: "centre", place: "产房" },
    requestedBy: "张医生",
    occurredAt: minutesAgo(60),
    ...data,
  },
});

const requested = (bloodGroup: { abo: "O" | "unknown"; rhD: "positive" | "unknown" } = oPos): BloodEvent => ({
  type: "BloodRequested",
  data: {
    ...ids,
    requestingInstitutionId: "centre",
    bloodStationId: "blood",
    phase: "postpartum",
    indication: "postpartum_haemorrhage",
    bloodGroup,
    products: [redCells4, plasma400],
    urgency: "emergency",
    destination: { institutionId: "centre", place: "产房" },
    requestedBy: "张医生",
    occurredAt: minutesAgo(60),
  },
});
const acknowledged: BloodEvent = {
  type: "BloodRequestAcknowledged",
  data: { ...ids, bloodStationId: "blood", acknowledgedBy: "值班员王", occurredAt: minutesAgo(58) },
};
const issuedAll: BloodEvent = {
  type: "BloodIssued",
  data: {
    ...ids,
    items: [
      { ...redCells4, group: oPos, substitute: false },
      { ...plasma400, group: { abo: "O", rhD: "positive" }, substitute: false },
    ],
    partial: false,
    issuedBy: "发血员刘",
    occurredAt: minutesAgo(50),
  },
};
const packed: BloodEvent = {
  type: "BloodPacked",
  data: {
    ...ids,
    consignment: 1,
    items: issuedAll.type === "BloodIssued" ? issuedAll.data.items : [],
    packedBy: "发血员刘",
    occurredAt: minutesAgo(48),
  },
};
const handedOver: BloodEvent = {
  type: "BloodHandedOver",
  data: {
    ...ids,
    consignment: 1,
    transport: "station_delivery",
    vehicle: "血站送血车 川A1234",
    carriedBy: "司机陈",
    handedOverBy: "发血员刘",
    occurredAt: minutesAgo(45),
  },
};
const cmd = <T extends BloodCommand["type"]>(
  type: T,
  data: Extract<BloodCommand, { type: T }>["data"],
): BloodCommand => ({ type, bloodRequestId, data }) as BloodCommand;

describe("blood request decider (000 §二十二)", () => {
  it("R-BLD-1 a request names group, products in their units, urgency and destination, and goes to the station of the plan", () => {
    given([]).when(requestCommand()).then([requested()]);
  });

  it("R-BLD-3 a hospital without an emergency blood plan with a station is refused", () => {
    const refusal = given([])
      .when(requestCommand({ requestingInstitutionId: "gen1" }))
      .thenRejects("no_blood_supply_plan");
    expect(refusal.rule).toBe("R-BLD-3");
  });

  it("R-BLD-1 an extra request adds to what is outstanding; more than outstanding cannot be issued before it", () => {
    const extra = cmd("AddToBloodRequest", {
      products: [{ product: "red_cells", unit: "U", quantity: 2 }],
      reason: "持续出血",
      requestedBy: "张医生",
      occurredAt: minutesAgo(55),
    });
    given([requested(), acknowledged])
      .when(extra)
      .then([
        {
          type: "BloodRequestExtended",
          data: {
            ...ids,
            products: [{ product: "red_cells", unit: "U", quantity: 2 }],
            reason: "持续出血",
            requestedBy: "张医生",
            occurredAt: minutesAgo(55),
          },
        },
      ]);
    const sixUnits = cmd("IssueBlood", {
      items: [{ product: "red_cells", unit: "U", quantity: 6, group: oPos }],
      issuedBy: "发血员刘",
      occurredAt: minutesAgo(50),
    });
    given([requested(), acknowledged]).when(sixUnits).thenRejects("blood_over_issue");
  });

  it("R-BLD-2 the station's 24-hour line acknowledges once, with the person and time", () => {
    const ack = cmd("AcknowledgeBloodRequest", { acknowledgedBy: "值班员王", occurredAt: minutesAgo(58) });
    given([requested()]).when(ack).then([acknowledged]);
    expect(given([requested(), acknowledged]).when(ack).thenRejects("blood_already_acknowledged").rule).toBe(
      "R-BLD-2",
    );
  });

  it("R-BLD-2 nothing is prepared or issued before the acknowledgement", () => {
    given([requested()])
      .when(cmd("StartBloodPreparation", { preparedBy: "发血员刘", occurredAt: minutesAgo(57) }))
      .thenRejects("blood_not_acknowledged");
    given([requested()])
      .when(
        cmd("IssueBlood", {
          items: [{ ...redCells4, group: oPos }],
          issuedBy: "发血员刘",
          occurredAt: minutesAgo(50),
        }),
      )
      .thenRejects("blood_not_acknowledged");
  });

  it("R-BLD-2 a partial issue leaves the rest outstanding; the remainder completes it", () => {
    const first = given([requested(), acknowledged])
      .when(
        cmd("IssueBlood", {
          items: [{ ...redCells4, group: oPos }],
          issuedBy: "发血员刘",
          occurredAt: minutesAgo(50),
        }),
      )
      .then([
        {
          type: "BloodIssued",
          data: {
            ...ids,
            items: [{ ...redCells4, group: oPos, substitute: false }],
            partial: true,
            issuedBy: "发血员刘",
            occurredAt: minutesAgo(50),
          },
        },
      ]);
    given([requested(), acknowledged, ...first])
      .when(
        cmd("IssueBlood", {
          items: [{ ...plasma400, group: { abo: "A", rhD: "positive" } }],
          issuedBy: "发血员刘",
          occurredAt: minutesAgo(49),
        }),
      )
      .then([
        {
          type: "BloodIssued",
          data: {
            ...ids,
            items: [{ ...plasma400, group: { abo: "A", rhD: "positive" }, substitute: true }],
            partial: false,
            issuedBy: "发血员刘",
            occurredAt: minutesAgo(49),
          },
        },
      ]);
  });

  it("R-BLD-2 an unknown group takes O RhD-negative red cells and AB plasma as substitutes; O RhD-positive is refused", () => {
    const unknown = requested({ abo: "unknown", rhD: "unknown" });
    given([unknown, acknowledged])
      .when(
        cmd("IssueBlood", {
          items: [{ ...redCells4, group: oPos }],
          issuedBy: "发血员刘",
          occurredAt: minutesAgo(50),
        }),
      )
      .thenRejects("blood_group_incompatible");
    const [event] = given([unknown, acknowledged])
      .when(
        cmd("IssueBlood", {
          items: [
            { ...redCells4, group: { abo: "O", rhD: "negative" } },
            { ...plasma400, group: { abo: "AB", rhD: "positive" } },
          ],
          issuedBy: "发血员刘",
          occurredAt: minutesAgo(50),
        }),
      )
      .then([expect.anything() as unknown as BloodEvent]);
    expect(event?.type === "BloodIssued" && event.data.items.every((i) => i.substitute)).toBe(true);
  });

  it("R-BLD-2 packing needs something issued, handing over needs a packed box, delivery needs a box in transit", () => {
    given([requested(), acknowledged])
      .when(cmd("PackBlood", { packedBy: "发血员刘", occurredAt: minutesAgo(48) }))
      .thenRejects("blood_nothing_to_pack");
    given([requested(), acknowledged, issuedAll])
      .when(cmd("PackBlood", { packedBy: "发血员刘", occurredAt: minutesAgo(48) }))
      .then([packed]);
    const handOver = cmd("HandOverBlood", {
      transport: "station_delivery",
      vehicle: "血站送血车 川A1234",
      carriedBy: "司机陈",
      handedOverBy: "发血员刘",
      occurredAt: minutesAgo(45),
    });
    given([requested(), acknowledged, issuedAll]).when(handOver).thenRejects("blood_nothing_packed");
    given([requested(), acknowledged, issuedAll, packed]).when(handOver).then([handedOver]);
    given([requested(), acknowledged, issuedAll, packed])
      .when(
        cmd("RecordBloodDelivered", {
          receivedBy: "护士长周",
          temperatures: [{ product: "red_cells", celsius: 4 }],
          occurredAt: minutesAgo(30),
        }),
      )
      .thenRejects("blood_not_in_transit");
  });

  it("R-BLD-2 delivery to the scene records who received it and the cold chain; a box outside WS/T 400-2012 is refused", () => {
    const history = [requested(), acknowledged, issuedAll, packed, handedOver];
    const deliver = (red: number, plasma: number) =>
      cmd("RecordBloodDelivered", {
        receivedBy: "护士长周",
        temperatures: [
          { product: "red_cells", celsius: red },
          { product: "plasma", celsius: plasma },
        ],
        occurredAt: minutesAgo(30),
      });
    given(history).when(deliver(12, -25)).thenRejects("blood_cold_chain_breach");
    given(history).when(deliver(4, -5)).thenRejects("blood_cold_chain_breach");
    given(history)
      .when(
        cmd("RecordBloodDelivered", {
          receivedBy: "护士长周",
          temperatures: [{ product: "red_cells", celsius: 4 }],
          occurredAt: minutesAgo(30),
        }),
      )
      .thenRejects("blood_temperature_missing");
    const delivered = given(history)
      .when(deliver(4, -25))
      .then([
        {
          type: "BloodDelivered",
          data: {
            ...ids,
            consignment: 1,
            receivedBy: "护士长周",
            temperatures: [
              { product: "red_cells", celsius: 4 },
              { product: "plasma", celsius: -25 },
            ],
            occurredAt: minutesAgo(30),
          },
        },
      ]);
    expect(progressOf(fold(bloodDecider, [...history, ...delivered]))).toBe("delivered");
    given([...history, ...delivered])
      .when(cmd("CancelBloodRequest", { reason: "误报", cancelledBy: "张医生", occurredAt: minutesAgo(20) }))
      .thenRejects("blood_request_delivered");
    expect(progressOf(fold(bloodDecider, history))).toBe("in_transit");
  });

  it("R-BLD-1 a cancelled request takes no further step; cancelling needs a reason", () => {
    const cancelled: BloodEvent = {
      type: "BloodRequestCancelled",
      data: { ...ids, reason: "出血已控制", cancelledBy: "张医生", occurredAt: minutesAgo(40) },
    };
    given([requested()])
      .when(
        cmd("CancelBloodRequest", {
          reason: "出血已控制",
          cancelledBy: "张医生",
          occurredAt: minutesAgo(40),
        }),
      )
      .then([cancelled]);
    given([requested(), cancelled])
      .when(cmd("AcknowledgeBloodRequest", { acknowledgedBy: "值班员王", occurredAt: minutesAgo(30) }))
      .thenRejects("blood_request_cancelled");
    given([])
      .when(cmd("AcknowledgeBloodRequest", { acknowledgedBy: "值班员王", occurredAt: minutesAgo(30) }))
      .thenRejects("blood_request_not_found");
  });

  it("R-BLD-2 a step may not be dated before the previous one", () => {
    given([requested()])
      .when(cmd("AcknowledgeBloodRequest", { acknowledgedBy: "值班员王", occurredAt: minutesAgo(90) }))
      .thenRejects("occurred_before_previous_step");
  });
});

describe("blood request input (000 §二十二(五): 血型、种类、数量)", () => {
  it("R-BLD-1 each product is counted in its own unit: red cells in U, plasma in 50 mL steps, platelets in 治疗量", () => {
    const { RequestBlood } = bloodCommandSchemas;
    const base = requestCommand();
    const withProducts = (products: unknown) => RequestBlood.safeParse({ ...base.data, products });
    expect(withProducts([redCells4, plasma400]).success).toBe(true);
    expect(withProducts([{ product: "red_cells", unit: "mL", quantity: 400 }]).success).toBe(false);
    expect(withProducts([{ product: "plasma", unit: "mL", quantity: 420 }]).success).toBe(false);
    expect(withProducts([{ product: "platelets", unit: "U", quantity: 1 }]).success).toBe(false);
    expect(withProducts([{ product: "platelets", unit: "therapeutic_dose", quantity: 1 }]).success).toBe(
      true,
    );
    expect(withProducts([redCells4, redCells4]).success).toBe(false);
  });
});
