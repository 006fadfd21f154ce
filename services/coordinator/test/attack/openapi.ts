import fc from "fast-check";
import { FIXTURE_NOW, withCheckDigit } from "./fixtures.js";
import { POISON_KEYS } from "./hostile.js";

/**
 * The route table as the running service describes it (`GET /docs/json`), and fast-check arbitraries of valid
 * values for its JSON schemas. Everything is derived at run time, so a new route is attacked without a change
 * here.
 */

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** The OpenAPI path template, e.g. `/api/referrals/{id}/accept`. */
  template: string;
  operationId?: string | undefined;
  parameters: Parameter[];
  body?: JsonSchema | undefined;
}

interface RawOperation {
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, RawOperation>>;
}

const METHODS = new Set(["get", "post", "put", "patch", "delete"]);

export const fetchOpenApi = async (baseUrl: string): Promise<OpenApiDocument> => {
  const response = await fetch(`${baseUrl}/docs/json`);
  if (response.status !== 200) throw new Error(`GET /docs/json answered ${response.status}`);
  return (await response.json()) as OpenApiDocument;
};

export const operationsOf = (doc: OpenApiDocument): Operation[] =>
  Object.entries(doc.paths).flatMap(([template, byMethod]) =>
    Object.entries(byMethod)
      .filter(([method]) => METHODS.has(method))
      .map(([method, raw]) => ({
        method: method.toUpperCase(),
        template,
        operationId: raw.operationId,
        parameters: (raw.parameters ?? []).flatMap((p) =>
          p.in === "path" || p.in === "query" || p.in === "header"
            ? [{ name: p.name, in: p.in, required: p.required ?? p.in === "path", schema: p.schema ?? {} }]
            : [],
        ),
        body: raw.requestBody?.content?.["application/json"]?.schema,
      })),
  );

/** The collection a path parameter names: `/api/transfers/{id}/…` → `transfers`. */
export const collectionOf = (template: string, parameter: string): string | undefined => {
  const segments = template.split("/");
  const at = segments.indexOf(`{${parameter}}`);
  return at > 0 ? segments[at - 1] : undefined;
};

/** Ids and names the fuzzer can use so that valid-looking requests reach the deciders and the read models. */
export interface Vocabulary {
  caseIds: string[];
  referralIds: string[];
  transferIds: string[];
  institutionIds: string[];
  ambulanceIds: string[];
  usernames: string[];
}

/** Poison keys that also match the id pattern, so they pass the schema and reach the maps behind it. */
const POISON_IDS = POISON_KEYS.filter((key) => /^[A-Za-z0-9_]{1,64}$/.test(key));

const NAMES = ["王秀兰", "李医生", "张主任", "赵调度", "陈护士", "Zhang Wei", "欧阳娜娜"];
const TEXTS = [
  "孕34周阴道出血",
  "血压160/110",
  "胎心监护正常",
  "活动性出血，已建立静脉通道",
  "第一行\n第二行",
];

const oneOf = (values: readonly string[]): fc.Arbitrary<string> =>
  values.length > 0 ? fc.constantFrom(...values) : fc.constant("none");

const instant: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(FIXTURE_NOW) },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 1, max: 48 * 60 })
      .map((minutes) => new Date(Date.parse(FIXTURE_NOW) - minutes * 60_000).toISOString()),
  },
  { weight: 1, arbitrary: fc.constant("2026-11-24T16:00:00+08:00") },
);

const idCardNumber: fc.Arbitrary<string> = fc
  .record({
    year: fc.integer({ min: 1970, max: 2008 }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 28 }),
    serial: fc.integer({ min: 100, max: 999 }),
  })
  .map(({ year, month, day, serial }) =>
    withCheckDigit(`510802${year}${String(month).padStart(2, "0")}${String(day).padStart(2, "0")}${serial}`),
  );

/** Hints by field name: the schema says "a string of this pattern"; the domain wants an id that exists. */
const hinted = (name: string, vocabulary: Vocabulary): fc.Arbitrary<unknown> | undefined => {
  const fresh = fc.stringMatching(/^FZ_[A-Za-z0-9]{1,10}$/);
  // Valid by the id pattern, and the names of Object.prototype members (issue 8 finding 2).
  const known = (ids: readonly string[]) =>
    fc.oneof({ weight: 6, arbitrary: oneOf(ids) }, { weight: 1, arbitrary: oneOf(POISON_IDS) });
  if (name === "caseId") return fc.oneof(known(vocabulary.caseIds), fresh);
  if (name === "referralId") return known(vocabulary.referralIds);
  if (name === "transferId") return known(vocabulary.transferIds);
  if (/institutionId$/i.test(name) || name === "redirectTo") return known(vocabulary.institutionIds);
  if (name === "ambulanceId") return known(vocabulary.ambulanceIds);
  if (name === "idCardNumber") return idCardNumber;
  if (name === "phone") return fc.stringMatching(/^13[0-9]{9}$/);
  if (name === "username") return fc.oneof(oneOf(vocabulary.usernames), fc.string({ maxLength: 12 }));
  if (name === "password")
    return fc.oneof(fc.constant("demo1234"), fc.string({ minLength: 1, maxLength: 12 }));
  if (/At$/.test(name) || name === "from" || name === "to" || name === "asOf") return instant;
  return undefined;
};

const stringOf = (schema: JsonSchema): fc.Arbitrary<string> => {
  if (schema.format === "date-time") return instant;
  if (schema.pattern) return fc.stringMatching(new RegExp(schema.pattern));
  const max = schema.maxLength ?? 200;
  const pool = max <= 50 ? NAMES : TEXTS;
  return fc.constantFrom(...pool.filter((s) => s.length <= max && s.length >= (schema.minLength ?? 0)));
};

const numberOf = (schema: JsonSchema, integer: boolean): fc.Arbitrary<number> => {
  const min = schema.minimum ?? schema.exclusiveMinimum ?? -1_000;
  const max = schema.maximum ?? schema.exclusiveMaximum ?? 1_000;
  return integer
    ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) })
    : fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
};

/** A valid value of a schema (the subset zod's JSON Schema output uses), steered by field-name hints. */
export const validValue = (
  schema: JsonSchema,
  name: string,
  vocabulary: Vocabulary,
): fc.Arbitrary<unknown> => {
  const hint = hinted(name, vocabulary);
  if (hint) return hint;
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const choices = schema.anyOf ?? schema.oneOf;
  if (choices && choices.length > 0) return fc.oneof(...choices.map((s) => validValue(s, name, vocabulary)));
  if (schema.allOf?.[0]) return validValue(schema.allOf[0], name, vocabulary);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return stringOf(schema);
    case "integer":
      return numberOf(schema, true);
    case "number":
      return numberOf(schema, false);
    case "boolean":
      return fc.boolean();
    case "null":
      return fc.constant(null);
    case "array":
      return fc.array(validValue(schema.items ?? {}, name.replace(/s$/, ""), vocabulary), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, 3)),
      });
    case "object": {
      const properties = schema.properties ?? {};
      const model = Object.fromEntries(
        Object.entries(properties).map(([key, inner]) => [key, validValue(inner, key, vocabulary)]),
      );
      return fc.record(model, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
    }
    default:
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
  }
};
