import { z } from "zod";

/** Vital signs (生命体征) with physiologically possible ranges; anything outside is a typing error. */
export const VitalSigns = z.strictObject({
  systolicBp: z.number().int().min(30).max(300).optional(), // 收缩压 mmHg
  diastolicBp: z.number().int().min(10).max(200).optional(), // 舒张压 mmHg
  heartRate: z.number().int().min(20).max(250).optional(), // 心率 /min
  respiratoryRate: z.number().int().min(4).max(80).optional(), // 呼吸 /min
  spo2: z.number().int().min(40).max(100).optional(), // 血氧饱和度 %
  temperatureC: z.number().min(30).max(45).optional(), // 体温 °C
  consciousness: z.enum(["alert", "voice", "pain", "unresponsive"]).optional(), // 意识 (AVPU)
});
export type VitalSigns = z.infer<typeof VitalSigns>;

/** Condition (病情) at a step: a summary in words plus the vital signs measured then. */
export const Condition = z.strictObject({
  summary: z.string().trim().min(1).max(2000),
  vitalSigns: VitalSigns,
});
export type Condition = z.infer<typeof Condition>;

export const GestationalWeeks = z.number().min(0).max(45); // 孕周

export const PersonName = z.string().trim().min(1).max(50);
export const Id = z.string().regex(/^[A-Za-z0-9_]{1,64}$/, { message: "ids are 1-64 letters, digits or _" });
export const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString());
