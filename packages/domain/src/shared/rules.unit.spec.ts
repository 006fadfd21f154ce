import { describe, expect, it } from "vitest";
import { Id, Instant, PersonName, Text } from "./clinical.js";
import { PatientIdentity } from "./identity.js";
import { CASE_ID_PATTERN, isRealInstant, type TextKind, type TextProblemCode, textProblem } from "./rules.js";

const KINDS: readonly TextKind[] = ["name", "line", "long"];

/** Issue 8 finding 4: each hostile class of text, refused in every kind of field. */
const HOSTILE: readonly { what: string; value: string; code: TextProblemCode; character?: string }[] = [
  { what: "NUL", value: "王\u0000秀兰", code: "control_character", character: "U+0000" },
  { what: "a C0 control (ESC)", value: "王\u001b[31m秀兰", code: "control_character", character: "U+001B" },
  { what: "DEL", value: "王\u007f秀兰", code: "control_character", character: "U+007F" },
  { what: "a C1 control (NEL)", value: "王\u0085秀兰", code: "control_character", character: "U+0085" },
  { what: "a C1 control (CSI)", value: "王\u009b秀兰", code: "control_character", character: "U+009B" },
  { what: "a lone high surrogate", value: "王\ud800秀兰", code: "lone_surrogate", character: "U+D800" },
  { what: "a lone low surrogate", value: "王秀兰\udc00", code: "lone_surrogate", character: "U+DC00" },
  { what: "right-to-left override", value: "王\u202e兰秀", code: "invisible_character", character: "U+202E" },
  {
    what: "left-to-right embedding",
    value: "\u202a王秀兰",
    code: "invisible_character",
    character: "U+202A",
  },
  { what: "a bidi isolate", value: "王\u2066秀兰\u2069", code: "invisible_character", character: "U+2066" },
  { what: "a right-to-left mark", value: "王秀兰\u200f", code: "invisible_character", character: "U+200F" },
  { what: "a zero-width space", value: "王\u200b秀兰", code: "invisible_character", character: "U+200B" },
  { what: "a zero-width joiner", value: "王\u200d秀兰", code: "invisible_character", character: "U+200D" },
  { what: "a word joiner", value: "王\u2060秀兰", code: "invisible_character", character: "U+2060" },
  { what: "a byte-order mark", value: "\ufeff王秀兰", code: "invisible_character", character: "U+FEFF" },
  { what: "only whitespace", value: " \u3000\t ".replace("\t", " "), code: "empty" },
  { what: "nothing", value: "", code: "empty" },
];

describe("the one text rule (issue 8 finding 4)", () => {
  for (const kind of KINDS) {
    for (const { what, value, code, character } of HOSTILE) {
      it(`a ${kind} field refuses ${what}`, () => {
        expect(textProblem(value, kind, 100)).toEqual({ code, ...(character ? { character } : {}) });
        const parsed = Text(kind, 100).safeParse(value);
        expect(parsed.success).toBe(false);
        expect(parsed.error?.issues[0]).toMatchObject({ code: "custom", params: { code: `text_${code}` } });
      });
    }
  }

  it("line breaks and tabs are allowed only in long free text", () => {
    expect(Text("long").parse("孕34周\n阴道出血\t约400ml")).toBe("孕34周\n阴道出血\t约400ml");
    expect(textProblem("产前\n出血", "line", 100)).toEqual({
      code: "control_character",
      character: "U+000A",
    });
    expect(textProblem("李\t医生", "name", 50)).toEqual({ code: "control_character", character: "U+0009" });
  });

  it("a name of only punctuation names no one; a name with a middle dot does", () => {
    for (const bad of ["...", "-", "· ·", "？！"])
      expect(textProblem(bad, "name", 50)?.code, bad).toBe("no_letters");
    expect(PersonName.parse("阿依古丽·买买提")).toBe("阿依古丽·买买提");
    expect(PersonName.parse("Dr. 李")).toBe("Dr. 李");
    expect(Text("line").parse("...")).toBe("..."); // free text may be terse
  });

  it("the stored value is NFC without surrounding whitespace", () => {
    const decomposed = "Zoe\u0301 "; // e + combining acute accent
    expect(PersonName.parse(decomposed)).toBe("Zoé");
    expect(PersonName.parse(decomposed)).toHaveLength(3);
    expect(PatientIdentity.parse({ name: " 刘芳 " }).name).toBe("刘芳");
  });

  it("a length limit counts characters, not UTF-16 units; an emoji pair is one character, not broken", () => {
    expect(Text("name", 3).safeParse("王秀兰").success).toBe(true);
    expect(Text("name", 3).safeParse("王秀兰兰").success).toBe(false);
    expect(Text("line", 2).parse("🚑🚑")).toBe("🚑🚑");
  });
});

describe("ids, instants and case ids", () => {
  it("the one id pattern: letters, digits, _ and -, starting with a letter or digit; prototype names are just ids", () => {
    for (const ok of [
      "R1",
      "JC-2026-7KX3F9",
      "qc_mch",
      "constructor",
      "toString",
      "hasOwnProperty",
      "a".repeat(64),
    ]) {
      expect(Id.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ["", "__proto__", "-x", "_x", "a b", "a/b", "案例", "a".repeat(65), "x\u0000"]) {
      expect(Id.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("instants carry a zone and a real calendar date; 30 February is refused, not rolled over", () => {
    for (const ok of [
      "2026-03-01T08:00:00Z",
      "2026-03-01T08:00:00.123+08:00",
      "2024-02-29T00:00:00Z",
      "0001-01-01T00:00:00Z",
    ]) {
      expect(isRealInstant(ok), ok).toBe(true);
      expect(Instant.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of [
      "2026-02-30T08:00:00Z",
      "2025-02-29T08:00:00Z",
      "2026-04-31T08:00:00+08:00",
      "2026-03-01T08:00:00",
      "2026-03-01T24:00:00Z",
      "2026-13-01T08:00:00Z",
      "2026-03-01",
    ]) {
      expect(isRealInstant(bad), bad).toBe(false);
      expect(Instant.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("case ids the service creates: region code, year, six characters without look-alikes", () => {
    expect(CASE_ID_PATTERN.test("JC-2026-7KX3F9")).toBe(true);
    for (const bad of ["JC-2026-7KX3F0", "JC-2026-7KX3FI", "JC-26-7KX3F9", "jc-2026-7KX3F9"]) {
      expect(CASE_ID_PATTERN.test(bad), bad).toBe(false);
    }
  });
});
