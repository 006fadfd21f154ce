import { z } from "zod";
import { CONSCIOUSNESS_LEVELS, GESTATIONAL_WEEKS, ID_PATTERN, VITAL_SIGN_RANGES } from "./rules.js";

/** Vital signs (生命体征) with physiologically possible ranges; anything outside is a typing error. */
const vitalSign = ({ min, max, integer }: (typeof VITAL_SIGN_RANGES)[number]) =>
  (integer ? z.number().int() : z.number()).min(min).max(max).optional();

/** Vital signs (生命体征), each within the range of rules.ts. */
export const VitalSigns = z.strictObject({
  ...(Object.fromEntries(VITAL_SIGN_RANGES.map((range) => [range.key, vitalSign(range)])) as Record<
    (typeof VITAL_SIGN_RANGES)[number]["key"],
    ReturnType<typeof vitalSign>
  >),
  consciousness: z.enum(CONSCIOUSNESS_LEVELS).optional(),
});
export type VitalSigns = z.infer<typeof VitalSigns>;

/** Condition (病情) at a step: a summary in words plus the vital signs measured then. */
export const Condition = z.strictObject({
  summary: z.string().trim().min(1).max(2000),
  vitalSigns: VitalSigns,
});
export type Condition = z.infer<typeof Condition>;

export const GestationalWeeks = z.number().min(GESTATIONAL_WEEKS.min).max(GESTATIONAL_WEEKS.max); // 孕周

export const PersonName = z.string().trim().min(1).max(50);
export const Id = z
  .string()
  .regex(ID_PATTERN, { message: "ids are 1-64 letters, digits, _ or -, starting with a letter or digit" });
export const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
