import type { DecisionContext } from "../shared/context.js";
import { type Decider, type Decision, type Rejection, reject } from "../shared/decider.js";
import { checkOccurredAt } from "../shared/steps.js";
import { type BloodFacts, type BloodState, evolve, initialState, outstanding, progressOf } from "./blood.js";
import type { BloodCommand, BloodGroup, BloodProduct, IssuedGroup } from "./commands.js";
import type { BloodEvent, BloodIssuedItem } from "./events.js";

type Cmd<T extends BloodCommand["type"]> = Extract<BloodCommand, { type: T }>;
type Open = Extract<BloodState, { status: "open" }>;

/**
 * Cold-chain temperatures on arrival, °C, from WS/T 400-2012 血液运输要求: whole blood and red cells 2–10 °C,
 * platelets 20–24 °C, frozen plasma and cryoprecipitate kept frozen at −18 °C or below.
 */
export const TRANSPORT_TEMPERATURE: Record<BloodProduct, { min: number; max: number }> = {
  red_cells: { min: 2, max: 10 },
  platelets: { min: 20, max: 24 },
  plasma: { min: -80, max: -18 },
  cryoprecipitate: { min: -80, max: -18 },
};

const ids = (state: BloodFacts) => ({
  bloodRequestId: state.bloodRequestId,
  caseId: state.caseId,
  transferId: state.transferId,
});

/** The request must exist and be open; a cancelled one takes no further step. */
const openRequest = (id: string, state: BloodState, action: string): Open | Rejection => {
  if (state.status === "none")
    return reject("blood_request_not_found", `blood request ${id} does not exist; ${action} is not possible`);
  if (state.status === "cancelled")
    return reject("blood_request_cancelled", `blood request ${id} was cancelled; ${action} is not possible`);
  return state;
};

const isOpen = (value: Open | Rejection): value is Open => !("kind" in value);

/**
 * Red cells must be ABO-compatible with her red cells and RhD-negative unless she is known RhD-positive; plasma,
 * platelets and cryoprecipitate must be ABO-compatible with her plasma. An unknown group takes the universal
 * donor: O RhD-negative red cells, AB plasma (issue 9 §3).
 */
const RED_CELL_DONORS: Record<BloodGroup["abo"], readonly IssuedGroup["abo"][]> = {
  O: ["O"],
  A: ["A", "O"],
  B: ["B", "O"],
  AB: ["AB", "A", "B", "O"],
  unknown: ["O"],
};
const PLASMA_DONORS: Record<BloodGroup["abo"], readonly IssuedGroup["abo"][]> = {
  O: ["O", "A", "B", "AB"],
  A: ["A", "AB"],
  B: ["B", "AB"],
  AB: ["AB"],
  unknown: ["AB"],
};

export const compatible = (product: BloodProduct, recipient: BloodGroup, unit: IssuedGroup): boolean => {
  if (product !== "red_cells") return PLASMA_DONORS[recipient.abo].includes(unit.abo);
  const rhOk = recipient.rhD === "positive" || unit.rhD === "negative";
  return rhOk && RED_CELL_DONORS[recipient.abo].includes(unit.abo);
};

const isSubstitute = (product: BloodProduct, recipient: BloodGroup, unit: IssuedGroup): boolean =>
  recipient.abo !== unit.abo || (product === "red_cells" && recipient.rhD !== unit.rhD);

// R-BLD-1, 000 §二十二(五); R-BLD-3, 000 §二十二(二): the request goes to the station of her hospital's plan.
export const requestBlood = (
  command: Cmd<"RequestBlood">,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  const { data, bloodRequestId } = command;
  if (state.status !== "none")
    return reject("blood_request_exists", `blood request ${bloodRequestId} already exists`);
  const time = checkOccurredAt(data.occurredAt, undefined, context.now);
  if (time) return time;
  const hospital = context.reference.institution(data.requestingInstitutionId);
  if (!hospital)
    return reject(
      "unknown_institution",
      `institution ${data.requestingInstitutionId} is not in the reference data`,
    );
  if (!context.reference.institution(data.destination.institutionId))
    return reject(
      "unknown_institution",
      `institution ${data.destination.institutionId} is not in the reference data`,
    );
  const station = context.reference.bloodStationOf(hospital.id);
  if (!station)
    return reject(
      "no_blood_supply_plan",
      `${hospital.name} has no emergency blood plan with a blood station (000 §二十二(二)); agree one before requesting blood through the system`,
      "R-BLD-3",
    );
  return [
    {
      type: "BloodRequested",
      data: {
        bloodRequestId,
        caseId: data.caseId,
        transferId: data.transferId,
        requestingInstitutionId: hospital.id,
        bloodStationId: station.id,
        phase: data.phase,
        indication: data.indication,
        indicationNote: data.indicationNote,
        bloodGroup: data.bloodGroup,
        products: data.products,
        urgency: data.urgency,
        destination: data.destination,
        requestedBy: data.requestedBy,
        occurredAt: data.occurredAt,
      },
    },
  ];
};

// R-BLD-1, 000 §二十二(五): a further need found later is reported as early as the first.
export const addToBloodRequest = (
  command: Cmd<"AddToBloodRequest">,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  const open = openRequest(command.bloodRequestId, state, "an extra request");
  if (!isOpen(open)) return open;
  const time = checkOccurredAt(command.data.occurredAt, open.lastOccurredAt, context.now);
  if (time) return time;
  return [{ type: "BloodRequestExtended", data: { ...ids(open), ...command.data } }];
};

// R-BLD-2, 000 §二十二(七): the station's 24-hour line takes the request.
export const acknowledgeBloodRequest = (
  command: Cmd<"AcknowledgeBloodRequest">,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  const open = openRequest(command.bloodRequestId, state, "acknowledging it");
  if (!isOpen(open)) return open;
  if (open.acknowledged)
    return reject(
      "blood_already_acknowledged",
      `blood request ${open.bloodRequestId} is already acknowledged`,
      "R-BLD-2",
    );
  const time = checkOccurredAt(command.data.occurredAt, open.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "BloodRequestAcknowledged",
      data: { ...ids(open), bloodStationId: open.bloodStationId, ...command.data },
    },
  ];
};

const notAcknowledged = (open: Open, action: string): Rejection =>
  reject(
    "blood_not_acknowledged",
    `blood request ${open.bloodRequestId} has not been acknowledged by the station's 24-hour line yet (000 §二十二(七)); ${action} comes after`,
    "R-BLD-2",
  );

// R-BLD-2, 000 §二十二(五)(七): 备血 on receipt of the report.
export const startBloodPreparation = (
  command: Cmd<"StartBloodPreparation">,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  const open = openRequest(command.bloodRequestId, state, "preparing blood");
  if (!isOpen(open)) return open;
  if (!open.acknowledged) return notAcknowledged(open, "preparing blood");
  if (open.preparing)
    return reject(
      "blood_already_preparing",
      `blood for request ${open.bloodRequestId} is already being prepared`,
      "R-BLD-2",
    );
  const time = checkOccurredAt(command.data.occurredAt, open.lastOccurredAt, context.now);
  if (time) return time;
  return [{ type: "BloodPreparationStarted", data: { ...ids(open), ...command.data } }];
};

// R-BLD-2, 000 §二十二(七): 出库 at once; all or part of what is outstanding, compatible substitutes allowed.
export const issueBlood = (
  command: Cmd<"IssueBlood">,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  const open = openRequest(command.bloodRequestId, state, "issuing blood");
  if (!isOpen(open)) return open;
  if (!open.acknowledged) return notAcknowledged(open, "issuing blood");
  const time = checkOccurredAt(command.data.occurredAt, open.lastOccurredAt, context.now);
  if (time) return time;
  const issuing: Partial<Record<BloodProduct, number>> = {};
  const items: BloodIssuedItem[] = [];
  for (const item of command.data.items) {
    issuing[item.product] = (issuing[item.product] ?? 0) + item.quantity;
    if ((issuing[item.product] ?? 0) > outstanding(open, item.product))
      return reject(
        "blood_over_issue",
        `${item.product}: ${issuing[item.product]} ${item.unit} is more than the ${Math.max(0, outstanding(open, item.product))} ${item.unit} outstanding; an extra request comes first`,
        "R-BLD-1",
      );
    if (!compatible(item.product, open.bloodGroup, item.group))
      return reject(
        "blood_group_incompatible",
        `${item.product} of group ${item.group.abo} RhD ${item.group.rhD} is not compatible with her group (${open.bloodGroup.abo} RhD ${open.bloodGroup.rhD}); with an unknown group issue O RhD-negative red cells and AB plasma`,
      );
    items.push({ ...item, substitute: isSubstitute(item.product, open.bloodGroup, item.group) });
  }
  const after = { requested: open.requested, issued: { ...open.issued } };
  for (const [product, quantity] of Object.entries(issuing) as [BloodProduct, number][])
    after.issued[product] = (after.issued[product] ?? 0) + quantity;
  const partial = (Object.keys(open.requested) as BloodProduct[]).some((p) => outstanding(after, p) > 0);
  return [
    {
      type: "BloodIssued",
      data: {
        ...ids(open),
        items,
        partial,
        issuedBy: command.data.issuedBy,
        occurredAt: command.data.occurredAt,
      },
    },
  ];
};

// R-BLD-2, 000 §二十二(七): 装箱, what was issued goes into one box.
export const packBlood = (
  command: Cmd<"PackBlood">,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  const open = openRequest(command.bloodRequestId, state, "packing blood");
  if (!isOpen(open)) return open;
  if (open.unpacked.length === 0)
    return reject(
      "blood_nothing_to_pack",
      `nothing issued for blood request ${open.bloodRequestId} waits to be packed; issue first`,
      "R-BLD-2",
    );
  const time = checkOccurredAt(command.data.occurredAt, open.lastOccurredAt, context.now);
  if (time) return time;
  return [
    {
      type: "BloodPacked",
      data: {
        ...ids(open),
        consignment: open.consignments.length + 1,
        items: open.unpacked,
        ...command.data,
      },
    },
  ];
};

// R-BLD-2, 000 §二十二(七): handed to whoever carries it to the scene (取血 by the hospital, or delivered).
export const handOverBlood = (
  command: Cmd<"HandOverBlood">,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  const open = openRequest(command.bloodRequestId, state, "handing blood over for transport");
  if (!isOpen(open)) return open;
  const box = open.consignments.find((c) => c.status === "packed");
  if (!box)
    return reject(
      "blood_nothing_packed",
      `no packed box of blood request ${open.bloodRequestId} waits for transport; pack first`,
      "R-BLD-2",
    );
  const time = checkOccurredAt(command.data.occurredAt, open.lastOccurredAt, context.now);
  if (time) return time;
  return [{ type: "BloodHandedOver", data: { ...ids(open), consignment: box.consignment, ...command.data } }];
};

// R-BLD-2, 000 §二十二(七): 送达急救现场, received by name with the box's temperature (WS/T 400-2012).
export const recordBloodDelivered = (
  command: Cmd<"RecordBloodDelivered">,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  const open = openRequest(command.bloodRequestId, state, "recording its delivery");
  if (!isOpen(open)) return open;
  const box = open.consignments.find((c) => c.status === "in_transit");
  if (!box)
    return reject(
      "blood_not_in_transit",
      `no box of blood request ${open.bloodRequestId} is on its way; it must be handed over for transport first`,
      "R-BLD-2",
    );
  const time = checkOccurredAt(command.data.occurredAt, open.lastOccurredAt, context.now);
  if (time) return time;
  const readings = new Map(command.data.temperatures.map((t) => [t.product, t.celsius]));
  for (const product of new Set(box.items.map((i) => i.product))) {
    const celsius = readings.get(product);
    const range = TRANSPORT_TEMPERATURE[product];
    if (celsius === undefined)
      return reject(
        "blood_temperature_missing",
        `record the arrival temperature of the ${product} box`,
        "R-BLD-2",
      );
    if (celsius < range.min || celsius > range.max)
      return reject(
        "blood_cold_chain_breach",
        `${product} arrived at ${celsius} °C, outside ${range.min}…${range.max} °C (WS/T 400-2012 血液运输要求); do not accept it, ask the station for a replacement`,
        "R-BLD-2",
      );
  }
  return [{ type: "BloodDelivered", data: { ...ids(open), consignment: box.consignment, ...command.data } }];
};

export const cancelBloodRequest = (
  command: Cmd<"CancelBloodRequest">,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  const open = openRequest(command.bloodRequestId, state, "cancelling it");
  if (!isOpen(open)) return open;
  if (progressOf(open) === "delivered")
    return reject(
      "blood_request_delivered",
      `all blood of request ${open.bloodRequestId} has been delivered to the scene; a delivered request is not cancelled`,
      "R-BLD-2",
    );
  const time = checkOccurredAt(command.data.occurredAt, open.lastOccurredAt, context.now);
  if (time) return time;
  return [{ type: "BloodRequestCancelled", data: { ...ids(open), ...command.data } }];
};

export const decide = (
  command: BloodCommand,
  state: BloodState,
  context: DecisionContext,
): Decision<BloodEvent> => {
  switch (command.type) {
    case "RequestBlood":
      return requestBlood(command, state, context);
    case "AddToBloodRequest":
      return addToBloodRequest(command, state, context);
    case "AcknowledgeBloodRequest":
      return acknowledgeBloodRequest(command, state, context);
    case "StartBloodPreparation":
      return startBloodPreparation(command, state, context);
    case "IssueBlood":
      return issueBlood(command, state, context);
    case "PackBlood":
      return packBlood(command, state, context);
    case "HandOverBlood":
      return handOverBlood(command, state, context);
    case "RecordBloodDelivered":
      return recordBloodDelivered(command, state, context);
    case "CancelBloodRequest":
      return cancelBloodRequest(command, state, context);
  }
};

export const bloodDecider: Decider<BloodCommand, BloodEvent, BloodState, DecisionContext> = {
  initialState,
  evolve,
  decide,
};
