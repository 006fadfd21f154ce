import { z } from "zod";
import {
  CONSCIOUSNESS_LEVELS,
  GESTATIONAL_WEEKS,
  ID_PATTERN,
  isRealInstant,
  normaliseText,
  TEXT_LIMITS,
  type TextKind,
  type TextProblem,
  textProblem,
  VITAL_SIGN_RANGES,
} from "./rules.js";

/** The English wording of a text problem; the API's message catalogue translates it by `params.code`. */
export const describeTextProblem = (problem: TextProblem): string => {
  switch (problem.code) {
    case "control_character":
      return `contains a control character (${problem.character})`;
    case "invisible_character":
      return `contains an invisible or control character (${problem.character})`;
    case "lone_surrogate":
      return `contains a broken character (lone surrogate ${problem.character})`;
    case "empty":
      return "is empty";
    case "no_letters":
      return "has no letter or digit (only spaces or punctuation)";
    case "too_long":
      return `is longer than ${problem.max} characters`;
  }
};

/**
 * The one text rule (issue 8 finding 4) as a schema: refuses control, invisible and broken characters and empty
 * names; the stored value is NFC without surrounding whitespace.
 */
export const Text = (kind: TextKind, max: number = TEXT_LIMITS[kind]) =>
  z
    .string()
    .superRefine((value, ctx) => {
      const problem = textProblem(value, kind, max);
      if (problem) {
        ctx.addIssue({
          code: "custom",
          message: describeTextProblem(problem),
          params: { ...problem, code: `text_${problem.code}` },
        });
      }
    })
    .transform(normaliseText);

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
  summary: Text("long", 2000),
  vitalSigns: VitalSigns,
});
export type Condition = z.infer<typeof Condition>;

/**
 * Stored events are read as they were written: the log is the record, so a rule tightened later (the text rule,
 * the id pattern) must never make an old event unreadable. Commands are checked; events are only shaped.
 */
export const RecordedText = z.string();
export const RecordedId = z.string().min(1);
export const RecordedCondition = z.object({ summary: RecordedText, vitalSigns: VitalSigns });

export const GestationalWeeks = z.number().min(GESTATIONAL_WEEKS.min).max(GESTATIONAL_WEEKS.max); // 孕周

/** A person's name (姓名, 签名): the text rule for names, at most 50 characters. */
export const PersonName = Text("name");
export const Id = z.string().regex(ID_PATTERN, {
  message: "ids are 1-64 letters, digits, _ or -, starting with a letter or digit",
});
/** An instant with its zone and a real calendar date, stored as UTC ISO 8601. */
export const Instant = z.iso
  .datetime({ offset: true })
  .refine(isRealInstant, {
    message: "is not a real date and time with a time zone",
    params: { code: "invalid_instant" },
  })
  .transform((s) => new Date(s).toISOString());
