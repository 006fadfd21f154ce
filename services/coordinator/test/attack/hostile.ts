import fc from "fast-check";

/**
 * Hostile inputs for the fuzzer: strings that must never reach the permanent record (issue 8 finding 4), ids and
 * keys that poison plain-object maps (finding 2), impossible dates and ID-card numbers, numbers at and beyond the
 * limits, wrong types, deep nesting.
 */

/** Characters the text rule refuses: NUL, C0/C1 controls, bidi controls, zero-width characters, lone surrogates. */
export const HOSTILE_CHARACTERS = [
  "\u0000",
  "\u0007",
  "\u0009",
  "\u000d",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u009f",
  "\u200b",
  "\u200c",
  "\u200d",
  "\u2060",
  "\ufeff",
  "\u202a",
  "\u202e",
  "\u2066",
  "\u2069",
  "\ud800",
  "\udfff",
] as const;

/** Names of Object.prototype members and other keys that break maps built on plain objects. */
export const POISON_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "isPrototypeOf",
  "__defineGetter__",
] as const;

/** A string that is otherwise acceptable with one hostile character inside or around it. */
const tainted: fc.Arbitrary<string> = fc
  .record({
    base: fc.constantFrom("李医生", "王秀兰", "孕34周出血", "amb_m01", "ok"),
    character: fc.constantFrom(...HOSTILE_CHARACTERS),
    where: fc.constantFrom("start", "middle", "end", "only"),
  })
  .map(({ base, character, where }) => {
    if (where === "only") return character;
    if (where === "start") return `${character}${base}`;
    if (where === "end") return `${base}${character}`;
    return `${base.slice(0, 1)}${character}${base.slice(1)}`;
  });

/** Built once: a single large string shared by every request that uses it. */
const HUGE_ASCII = "x".repeat(70_000);
const HUGE_CJK = "名".repeat(25_000);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: tainted },
  {
    weight: 2,
    arbitrary: fc.string({ unit: fc.constantFrom(...HOSTILE_CHARACTERS, "a", "名", " "), maxLength: 8 }),
  },
  { weight: 2, arbitrary: fc.constantFrom(...POISON_KEYS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom("", " ", "   ", "\u3000", "\u00a0", "\n", "\u200b\u200b", "\u202e\u202d"),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(HUGE_ASCII, HUGE_CJK, "a".repeat(51), "a".repeat(65), "a".repeat(4001)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom("'; DROP TABLE events; --", "<script>alert(1)</script>", "%00", "../.."),
  },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 12 }) },
);

/** Impossible or out-of-range instants (the date-time pattern admits some; the domain must refuse the rest). */
export const hostileInstant: fc.Arbitrary<string> = fc.constantFrom(
  "2026-02-30T08:00:00.000Z",
  "2026-13-01T08:00:00.000Z",
  "2026-11-24T24:00:00.000Z",
  "2026-11-24T08:00:60Z",
  "2025-02-29T08:00:00Z",
  "0000-01-01T00:00:00Z",
  "9999-12-31T23:59:59.999Z",
  "+275760-09-13T00:00:00.000Z",
  "2026-11-24T08:00:00+24:00",
  "2026-11-24T08:00:00",
  "2026-11-24",
  "1970-01-01T00:00:00Z",
  "2100-01-01T00:00:00Z",
  "2026-11-24T08:00:00.0000000000001Z",
  "now",
);

/** ID-card numbers that fail GB 11643: check digit, birth date, region code, length, letters. */
export const hostileIdCardNumber: fc.Arbitrary<string> = fc.constantFrom(
  "110105194912310021",
  "510802199502301236",
  "510802199513011230",
  "000000199503121232",
  "51080219950312123",
  "5108021995031212321",
  "51080219950312123x",
  "5108021995031212\u00003",
  "ABCDEFGHIJKLMNOPQR",
  "510802180001011235",
);

const deepNesting = (depth: number): unknown => {
  let value: unknown = "bottom";
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? { a: value } : [value];
  return value;
};

/** A value of the wrong type, or a number at or beyond a limit, or deep nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      0,
      -1,
      -0,
      1.5,
      2 ** 31,
      2 ** 53,
      2 ** 53 + 2,
      1e308,
      -1e308,
      5e-324,
      Number.MAX_SAFE_INTEGER,
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], { "": "" }) },
  { weight: 1, arbitrary: fc.constantFrom(deepNesting(40), deepNesting(2_000)) },
  { weight: 1, arbitrary: fc.array(fc.constant("名"), { minLength: 100, maxLength: 300 }) },
);

/** Raw JSON texts that are not what JSON.stringify would produce. */
export const hostileRawBody: fc.Arbitrary<string> = fc.constantFrom(
  "",
  "{",
  "{ not json",
  "null",
  "[]",
  '"string"',
  "42",
  "{}",
  '{"__proto__":{"isAdmin":true}}',
  '{"constructor":{"prototype":{"isAdmin":true}}}',
  `${"[".repeat(5_000)}${"]".repeat(5_000)}`,
  `{"a":${'{"a":'.repeat(3_000)}1${"}".repeat(3_000)}}`,
  "\ufeff{}",
  '{"occurredAt":"2026-11-24T08:00:00.000Z","occurredAt":"2026-11-24T08:00:00.000Z"}',
  "{\u0000}",
  '{"a":"\\ud800"}',
  '{"a":1e999}',
);

/** Percent-encodes a string as UTF-8, keeping lone surrogates as the (invalid) bytes a hostile client would send. */
export const percentEncode = (value: string): string => {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(value.slice(i, i + 2));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      const bytes = [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)];
      out += bytes.map((b) => `%${b.toString(16).toUpperCase()}`).join("");
    } else {
      out += encodeURIComponent(value[i] as string);
    }
  }
  return out;
};

/** Path ids that are not plain ids: poison names, encoded control characters, overlong and traversal forms. */
export const hostilePathId: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POISON_KEYS) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      "%00",
      "a%00b",
      "%E2%80%AE",
      "%ED%A0%80",
      "%C0%AE",
      "%FF",
      "%25",
      "%2E%2E",
      "..",
      "%2F",
      "a%20b",
      "a".repeat(65),
      "a".repeat(5_000),
      "%E2%80%8B",
      "R%0A",
    ),
  },
  { weight: 2, arbitrary: hostileString.map(percentEncode) },
);
