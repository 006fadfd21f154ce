import { z } from "zod";
import { Instant, RecordedId, RecordedText } from "../shared/clinical.js";
import { Urgency } from "../shared/risk.js";
import { BloodGroup, BloodIndication, BloodProduct, DeliveryPhase, IssuedGroup } from "./commands.js";

/** Emergency blood request (孕产妇救治供血保障, 000 §二十二) events, stream `blood-<bloodRequestId>`. */

const Quantity = z.strictObject({ product: BloodProduct, unit: z.string(), quantity: z.number() });
const IssuedItem = z.strictObject({
  product: BloodProduct,
  unit: z.string(),
  quantity: z.number(),
  group: IssuedGroup,
  /** The group differs from hers (or hers is unknown): a compatible substitute, e.g. O RhD-negative red cells. */
  substitute: z.boolean(),
});

const base = { bloodRequestId: RecordedId, caseId: RecordedId, transferId: RecordedId.optional() };

export const BloodRequested = z.strictObject({
  ...base,
  requestingInstitutionId: RecordedId,
  /** The station of the institution's emergency blood plan (000 §二十二(二), R-BLD-3). */
  bloodStationId: RecordedId,
  phase: DeliveryPhase,
  indication: BloodIndication,
  indicationNote: RecordedText.optional(),
  bloodGroup: BloodGroup,
  products: z.array(Quantity),
  urgency: Urgency,
  destination: z.strictObject({ institutionId: RecordedId, place: RecordedText }),
  requestedBy: RecordedText,
  occurredAt: Instant,
});

export const BloodRequestExtended = z.strictObject({
  ...base,
  products: z.array(Quantity),
  reason: RecordedText,
  requestedBy: RecordedText,
  occurredAt: Instant,
});

export const BloodRequestAcknowledged = z.strictObject({
  ...base,
  bloodStationId: RecordedId,
  acknowledgedBy: RecordedText,
  occurredAt: Instant,
});

export const BloodPreparationStarted = z.strictObject({
  ...base,
  preparedBy: RecordedText,
  occurredAt: Instant,
});

export const BloodIssued = z.strictObject({
  ...base,
  items: z.array(IssuedItem),
  /** Less than all that is outstanding was issued: the rest follows. */
  partial: z.boolean(),
  issuedBy: RecordedText,
  occurredAt: Instant,
});

/** 出库装箱: what was issued and not yet packed goes into one consignment. */
export const BloodPacked = z.strictObject({
  ...base,
  consignment: z.number().int().min(1),
  items: z.array(IssuedItem),
  packedBy: RecordedText,
  occurredAt: Instant,
});

export const BloodHandedOver = z.strictObject({
  ...base,
  consignment: z.number().int().min(1),
  transport: z.enum(["hospital_fetch", "station_delivery", "ambulance_120"]),
  vehicle: RecordedText,
  carriedBy: RecordedText,
  handedOverBy: RecordedText,
  occurredAt: Instant,
});

export const BloodDelivered = z.strictObject({
  ...base,
  consignment: z.number().int().min(1),
  receivedBy: RecordedText,
  temperatures: z.array(z.strictObject({ product: BloodProduct, celsius: z.number() })),
  occurredAt: Instant,
});

export const BloodRequestCancelled = z.strictObject({
  ...base,
  reason: RecordedText,
  cancelledBy: RecordedText,
  occurredAt: Instant,
});

export const bloodEventSchemas = {
  BloodRequested,
  BloodRequestExtended,
  BloodRequestAcknowledged,
  BloodPreparationStarted,
  BloodIssued,
  BloodPacked,
  BloodHandedOver,
  BloodDelivered,
  BloodRequestCancelled,
} as const;

type Schemas = typeof bloodEventSchemas;
export type BloodEvent = { [K in keyof Schemas]: { type: K; data: z.infer<Schemas[K]> } }[keyof Schemas];
export type BloodIssuedItem = z.infer<typeof IssuedItem>;
