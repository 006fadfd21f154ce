import { z } from "zod";
import { Id, Instant, PersonName, Text } from "../shared/clinical.js";
import { Urgency } from "../shared/risk.js";

/** ABO group, or unknown when there was no time to type her (000 §二十二(五): 血型). */
export const AboGroup = z.enum(["A", "B", "AB", "O", "unknown"]);
export type AboGroup = z.infer<typeof AboGroup>;
export const RhD = z.enum(["positive", "negative", "unknown"]);
export type RhD = z.infer<typeof RhD>;
export const BloodGroup = z.strictObject({ abo: AboGroup, rhD: RhD });
export type BloodGroup = z.infer<typeof BloodGroup>;
/** A unit's group as labelled on the bag: always known. */
export const IssuedGroup = z.strictObject({
  abo: z.enum(["A", "B", "AB", "O"]),
  rhD: z.enum(["positive", "negative"]),
});
export type IssuedGroup = z.infer<typeof IssuedGroup>;

/**
 * Products (血液制剂, 000 §二十二(五): 种类、数量) in the units Chinese blood services count them in: red cells
 * (悬浮红细胞) in U (one U from 200 mL of whole blood), plasma (新鲜冰冻血浆) in mL in bags of 50 mL steps,
 * platelets (单采血小板) in therapeutic doses (治疗量), cryoprecipitate (冷沉淀凝血因子) in U.
 */
export const BloodProduct = z.enum(["red_cells", "plasma", "platelets", "cryoprecipitate"]);
export type BloodProduct = z.infer<typeof BloodProduct>;
export const PRODUCT_UNITS = {
  red_cells: "U",
  plasma: "mL",
  platelets: "therapeutic_dose",
  cryoprecipitate: "U",
} as const satisfies Record<BloodProduct, string>;

export const ProductQuantity = z.discriminatedUnion("product", [
  z.strictObject({
    product: z.literal("red_cells"),
    unit: z.literal("U"),
    quantity: z.number().int().min(1).max(50),
  }),
  z.strictObject({
    product: z.literal("plasma"),
    unit: z.literal("mL"),
    quantity: z
      .number()
      .int()
      .min(50)
      .max(5000)
      .refine((mL) => mL % 50 === 0, {
        message: "plasma is issued in steps of 50 mL",
        params: { code: "plasma_50_ml_steps" },
      }),
  }),
  z.strictObject({
    product: z.literal("platelets"),
    unit: z.literal("therapeutic_dose"),
    quantity: z.number().int().min(1).max(10),
  }),
  z.strictObject({
    product: z.literal("cryoprecipitate"),
    unit: z.literal("U"),
    quantity: z.number().int().min(1).max(100),
  }),
]);
export type ProductQuantity = z.infer<typeof ProductQuantity>;

const Products = z
  .array(ProductQuantity)
  .min(1)
  .max(4)
  .refine((items) => new Set(items.map((i) => i.product)).size === items.length, {
    message: "name each product once",
    params: { code: "duplicate_product" },
  });

/** When the need was assessed (000 §二十二(五): 分娩前、分娩中和分娩后). */
export const DeliveryPhase = z.enum(["antepartum", "intrapartum", "postpartum"]);
/** Why blood may be needed urgently (000 §二十二(五)). */
export const BloodIndication = z.enum([
  "placenta_praevia", // 前置胎盘
  "pernicious_placenta_praevia", // 凶险性前置胎盘: praevia over a caesarean scar
  "placenta_accreta", // 胎盘植入
  "postpartum_haemorrhage", // 产后出血
  "rare_blood_group", // 特殊血型
  "other",
]);

export const RequestBlood = z.strictObject({
  /** A blood request belongs to an existing case. */
  caseId: Id,
  transferId: Id.optional(),
  requestingInstitutionId: Id,
  phase: DeliveryPhase,
  indication: BloodIndication,
  indicationNote: Text("long", 1000).optional(),
  bloodGroup: BloodGroup,
  products: Products,
  urgency: Urgency,
  /** Where it must go (急救现场): the institution and the place in it. */
  destination: z.strictObject({ institutionId: Id, place: Text("line", 200) }),
  requestedBy: PersonName,
  occurredAt: Instant,
});

export const AddToBloodRequest = z.strictObject({
  products: Products,
  reason: Text("long", 1000),
  requestedBy: PersonName,
  occurredAt: Instant,
});

export const AcknowledgeBloodRequest = z.strictObject({ acknowledgedBy: PersonName, occurredAt: Instant });

export const StartBloodPreparation = z.strictObject({ preparedBy: PersonName, occurredAt: Instant });

export const IssueBlood = z.strictObject({
  items: z
    .array(z.intersection(ProductQuantity, z.strictObject({ group: IssuedGroup })))
    .min(1)
    .max(8),
  issuedBy: PersonName,
  occurredAt: Instant,
});

export const PackBlood = z.strictObject({ packedBy: PersonName, occurredAt: Instant });

export const HandOverBlood = z.strictObject({
  /** Fetched by the hospital, delivered by the station, or carried by a 120 ambulance (000 §二十二(七)). */
  transport: z.enum(["hospital_fetch", "station_delivery", "ambulance_120"]),
  vehicle: Text("line", 100),
  carriedBy: PersonName,
  handedOverBy: PersonName,
  occurredAt: Instant,
});

export const RecordBloodDelivered = z.strictObject({
  receivedBy: PersonName,
  /** The cold-chain temperature read on arrival (°C), one per product delivered: each travels in its own box. */
  temperatures: z
    .array(z.strictObject({ product: BloodProduct, celsius: z.number().min(-80).max(60) }))
    .min(1)
    .max(4),
  occurredAt: Instant,
});

export const CancelBloodRequest = z.strictObject({
  reason: Text("long", 1000),
  cancelledBy: PersonName,
  occurredAt: Instant,
});

export const bloodCommandSchemas = {
  RequestBlood,
  AddToBloodRequest,
  AcknowledgeBloodRequest,
  StartBloodPreparation,
  IssueBlood,
  PackBlood,
  HandOverBlood,
  RecordBloodDelivered,
  CancelBloodRequest,
} as const;

type Schemas = typeof bloodCommandSchemas;
export type BloodCommand = {
  [K in keyof Schemas]: { type: K; bloodRequestId: string; data: z.infer<Schemas[K]> };
}[keyof Schemas];
