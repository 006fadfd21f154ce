/**
 * The input rules as plain data and functions, with no dependency: the API's zod schemas are built from them
 * and the web pages import them, so that a form and the API can never disagree on what is valid.
 */

const ID_CARD_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const ID_CARD_CHECK_CHARS = "10X98765432";
/**
 * First two digits of a GB 11643 number: a province-level code of GB/T 2260 (11 北京 … 65 新疆, 71 台湾, 81 香港,
 * 82 澳门, 83 台湾居民居住证).
 */
const PROVINCE_CODES: ReadonlySet<string> = new Set(
  "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83".split(
    " ",
  ),
);
const EARLIEST_BIRTH_YEAR = 1900;

/** A real calendar date (no 30 February, no rolling over), as year, month 1-12 and day. */
export const isCalendarDate = (year: number, month: number, day: number): boolean => {
  // setUTCFullYear, not Date.UTC: Date.UTC reads the years 0-99 as 1900-1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return (
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    year > 0
  );
};

/**
 * Resident identity card number (居民身份证号码), GB 11643-1999: a province code, a real birth date (not before
 * 1900, not after `today`), and the ISO 7064 MOD 11-2 check character.
 */
export const isValidIdCardNumber = (value: string, today: Date = new Date()): boolean => {
  if (!/^\d{17}[\dX]$/.test(value)) return false;
  if (!PROVINCE_CODES.has(value.slice(0, 2))) return false;
  const year = Number(value.slice(6, 10));
  const month = Number(value.slice(10, 12));
  const day = Number(value.slice(12, 14));
  if (year < EARLIEST_BIRTH_YEAR || !isCalendarDate(year, month, day)) return false;
  if (Date.UTC(year, month - 1, day) > today.getTime()) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(value[i]) * (ID_CARD_WEIGHTS[i] ?? 0);
  return ID_CARD_CHECK_CHARS[sum % 11] === value[17];
};

/** Mainland mobile (1[3-9]xxxxxxxxx) or a landline with area code (0xx-xxxxxxx[x]). */
export const PHONE_PATTERN = /^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/;

/**
 * The one id pattern for every id at the edge (path, body, query): a letter or digit, then letters, digits, `_`
 * and `-`. Stream names are `category-id` and the category is what stands before the first `-`, so a `-` inside
 * an id is harmless; ids such as `constructor` or `__proto__`-like names are harmless because every keyed lookup
 * is a `Map` or a null-prototype object.
 */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Case ids the service creates: `<REGION>-<YYYY>-<6 chars>` (e.g. `JC-2026-7KX3F9`); the six characters come from
 * an alphabet without the look-alikes 0/O, 1/I/L, so an id read aloud over the phone is unambiguous.
 */
export const CASE_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
export const CASE_ID_PATTERN = /^[A-Z]{2,6}-\d{4}-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$/;

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

/**
 * An instant as the API takes it: ISO 8601 with a zone (`Z` or `±hh:mm`) and a real calendar date and time
 * (`2026-02-30T…` is refused, not rolled over to March).
 */
export const isRealInstant = (value: string): boolean => {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, sec = "0", zone, zh = "0", zm = "0"] = m;
  if (!isCalendarDate(Number(y), Number(mo), Number(d))) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) return false;
  return zone === "Z" || (Number(zh) <= 23 && Number(zm) <= 59);
};

/** How a text field is used: a person's name, one line (a reason in a list, a document title), or long free text. */
export type TextKind = "name" | "line" | "long";

/** Stable machine codes of the text rule; the API and the pages translate them. */
export type TextProblemCode =
  | "control_character"
  | "invisible_character"
  | "lone_surrogate"
  | "empty"
  | "no_letters"
  | "too_long";

export interface TextProblem {
  code: TextProblemCode;
  /** The offending character as `U+XXXX`, where there is one. */
  character?: string;
  max?: number;
}

/** Line breaks and tabs are allowed only in long free text (a clinical summary has paragraphs). */
const LAYOUT_CHARACTERS: ReadonlySet<number> = new Set([0x09, 0x0a, 0x0d]);
/**
 * Characters that change how text is displayed without being seen: bidi embeddings and overrides (U+202A–U+202E),
 * isolates (U+2066–U+2069), marks (U+200E, U+200F, U+061C); zero-width space, joiners, word joiner and BOM
 * (U+200B–U+200D, U+2060, U+FEFF). A record with them can show a name other than the one stored.
 */
const isInvisible = (cp: number): boolean =>
  (cp >= 0x202a && cp <= 0x202e) ||
  (cp >= 0x2066 && cp <= 0x2069) ||
  (cp >= 0x200b && cp <= 0x200f) ||
  cp === 0x061c ||
  cp === 0x2060 ||
  cp === 0xfeff;
/** NUL and the other C0 controls, DEL and the C1 controls. */
const isControl = (cp: number): boolean => cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);

const codePointLabel = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;

/** The first problem of a text under the one text rule, or undefined when it is acceptable. */
export const textProblem = (value: string, kind: TextKind, max: number): TextProblem | undefined => {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return { code: "lone_surrogate", character: codePointLabel(unit) };
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) return { code: "lone_surrogate", character: codePointLabel(unit) };
    if (isControl(unit) && !(kind === "long" && LAYOUT_CHARACTERS.has(unit))) {
      return { code: "control_character", character: codePointLabel(unit) };
    }
    if (isInvisible(unit)) return { code: "invisible_character", character: codePointLabel(unit) };
  }
  const normal = normaliseText(value);
  if (normal === "") return { code: "empty" };
  // A name must name someone: at least one letter or digit, not only dots, dashes or spaces.
  if (kind === "name" && !/[\p{L}\p{N}]/u.test(normal)) return { code: "no_letters" };
  if ([...normal].length > max) return { code: "too_long", max };
  return undefined;
};

/** The stored form of an accepted text: Unicode NFC, without surrounding whitespace. */
export const normaliseText = (value: string): string => value.normalize("NFC").trim();

/** Longest accepted length of each kind of text, in characters. */
export const TEXT_LIMITS = { name: 50, line: 500, long: 4000 } as const;
