import { z } from "zod";
import { Text } from "./clinical.js";
import { isValidIdCardNumber, PHONE_PATTERN } from "./rules.js";

export const IdCardNumber = z
  .string()
  .transform((v) => v.toUpperCase())
  .refine((value) => isValidIdCardNumber(value), {
    message: "not a valid resident ID card number (GB 11643: province code, birth date, check digit)",
    params: { code: "id_card_number" },
  });

/** Mainland mobile (1[3-9]xxxxxxxxx) or a landline with area code (0xx-xxxxxxx[x]). */
export const PhoneNumber = z
  .string()
  .regex(PHONE_PATTERN, { message: "not a valid mobile or landline number" });

/** Personal identity of the patient: sensitive personal information, masked for roles that do not need it. */
export const PatientIdentity = z.strictObject({
  name: Text("name"), // 姓名
  idCardNumber: IdCardNumber.optional(), // 身份证号
  phone: PhoneNumber.optional(), // 联系电话
  age: z.number().int().min(0).max(70).optional(),
});
export type PatientIdentity = z.infer<typeof PatientIdentity>;

/** The patient's identity as stored in events: shaped, not re-checked (see RecordedText). */
export const RecordedPatientIdentity = z.object({
  name: z.string(),
  idCardNumber: z.string().optional(),
  phone: z.string().optional(),
  age: z.number().optional(),
});

export const maskName = (name: string): string =>
  name.length <= 1 ? "*" : `${name[0]}${"*".repeat(name.length - 1)}`;
export const maskIdCardNumber = (id: string): string => `${id.slice(0, 6)}********${id.slice(-4)}`;
export const maskPhone = (phone: string): string => `${phone.slice(0, 3)}****${phone.slice(-4)}`;

export const maskPatientIdentity = (p: PatientIdentity): PatientIdentity => ({
  name: maskName(p.name),
  ...(p.idCardNumber ? { idCardNumber: maskIdCardNumber(p.idCardNumber) } : {}),
  ...(p.phone ? { phone: maskPhone(p.phone) } : {}),
  ...(p.age !== undefined ? { age: p.age } : {}),
});
