import { z } from "zod";

const ID_CARD_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CARD_CHECK_CHARS = "10X98765432";

/** Resident identity card number (居民身份证号码) with the GB 11643-1999 ISO 7064 MOD 11-2 check character. */
export const isValidIdCardNumber = (value: string): boolean => {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  const birth = value.slice(6, 14);
  const year = Number(birth.slice(0, 4));
  const month = Number(birth.slice(4, 6));
  const day = Number(birth.slice(6, 8));
  const date = new Date(Date.UTC(year, month - 1, day));
  if (year < 1800 || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * (ID_CARD_WEIGHTS[i] ?? 0);
  return ID_CARD_CHECK_CHARS[sum % 11] === value[17];
};

export const IdCardNumber = z
  .string()
  .transform((v) => v.toUpperCase())
  .refine(isValidIdCardNumber, { message: "not a valid resident ID card number (GB 11643 check digit)" });

/** Mainland mobile (1[3-9]xxxxxxxxx) or a landline with area code (0xx-xxxxxxx[x]). */
export const PhoneNumber = z
  .string()
  .regex(/^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/, { message: "not a valid mobile or landline number" });

/** Personal identity of the patient: sensitive personal information, masked for roles that do not need it. */
export const PatientIdentity = z.strictObject({
  name: z.string().trim().min(1).max(50), // 姓名
  idCardNumber: IdCardNumber.optional(), // 身份证号
  phone: PhoneNumber.optional(), // 联系电话
  age: z.number().int().min(0).max(70).optional(),
});
export type PatientIdentity = z.infer<typeof PatientIdentity>;

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
