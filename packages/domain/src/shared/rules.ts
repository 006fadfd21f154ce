/**
 * The input rules as plain data and functions, with no dependency: the API's zod schemas are built from them
 * and the web pages import them, so that a form and the API can never disagree on what is valid.
 */

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

/** Mainland mobile (1[3-9]xxxxxxxxx) or a landline with area code (0xx-xxxxxxx[x]). */
export const PHONE_PATTERN = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;

/**
 * Business ids: a letter or digit, then letters, digits, `_` or `-` (case ids read `JC-2026-7KX3F9`). Stream
 * names stay `category-id`: the category is what stands before the first `-`.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Vital signs (生命体征) with physiologically possible ranges; anything outside is a typing error. */
export const VITAL_SIGN_RANGES = [
  { key: "systolicBp", min: 30, max: 300, integer: true, unit: "mmHg" }, // 收缩压
  { key: "diastolicBp", min: 10, max: 200, integer: true, unit: "mmHg" }, // 舒张压
  { key: "heartRate", min: 20, max: 250, integer: true, unit: "/min" }, // 心率
  { key: "respiratoryRate", min: 4, max: 80, integer: true, unit: "/min" }, // 呼吸
  { key: "spo2", min: 40, max: 100, integer: true, unit: "%" }, // 血氧饱和度
  { key: "temperatureC", min: 30, max: 45, integer: false, unit: "°C" }, // 体温
] as const;

/** 意识 (AVPU). */
export const CONSCIOUSNESS_LEVELS = ["alert", "voice", "pain", "unresponsive"] as const;

/** 孕周 */
export const GESTATIONAL_WEEKS = { min: 0, max: 45 } as const;

/** How far into the future a user-given time may lie (clocks on phones and ambulance tablets drift). */
export const ALLOWED_CLOCK_SKEW_MS = 2 * 60 * 1000;
