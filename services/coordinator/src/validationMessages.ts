import { ID_PATTERN, PHONE_PATTERN } from "@mtc/domain";

/**
 * The message catalogue of the 400 answers: each problem found in a request has a stable machine code (which the
 * pages may translate themselves) and words in Chinese and English. Chinese is the default (the users are
 * Chinese hospital and dispatch staff); English when the request prefers it.
 */
export type Language = "zh" | "en";

/** The request's language: the most preferred of Accept-Language; Chinese when absent, English when not Chinese. */
export const languageOf = (acceptLanguage: string | undefined): Language => {
  if (!acceptLanguage) return "zh";
  const ranked = acceptLanguage
    .split(",")
    .map((part, index) => {
      const [tag = "", ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.tag !== "" && entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  const first = ranked[0];
  if (!first || first.tag === "*") return "zh";
  return first.tag.startsWith("zh") ? "zh" : "en";
};

/** One problem of a request, as the 400 lists it. */
export interface FieldError {
  /** Where: `body.patient.name`, `querystring.asOf`, `params.id`, `headers.idempotency-key`. */
  path: string;
  /** What, for machines: `required`, `text_invisible_character`, `invalid_id`, … */
  code: string;
  /** What, in words, in the request's language. */
  message: string;
}

/** A validation issue as fastify-type-provider-zod hands it over (zod's issue without path, code and message). */
export interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message: string;
  params: Record<string, unknown>;
}

type Words = Record<Language, string>;

const num = (value: unknown): string =>
  typeof value === "number" || typeof value === "bigint" ? String(value) : "?";

/** The code and the words of one issue. */
const describe = (issue: ValidationIssue, path: string): { code: string } & Words => {
  const p = issue.params;
  const custom = (p.params ?? {}) as Record<string, unknown>;
  switch (issue.keyword) {
    case "invalid_type":
      if (/received undefined$/.test(issue.message))
        return { code: "required", zh: "必填", en: "is required" };
      return {
        code: "wrong_type",
        zh: `类型错误，应为 ${String(p.expected)}`,
        en: `must be a ${String(p.expected)}`,
      };
    case "too_small":
    case "too_big": {
      const small = issue.keyword === "too_small";
      const limit = num(small ? p.minimum : p.maximum);
      if (p.origin === "string")
        return small
          ? { code: "too_short", zh: `至少 ${limit} 个字符`, en: `must be at least ${limit} characters` }
          : { code: "too_long", zh: `不能超过 ${limit} 个字符`, en: `must be at most ${limit} characters` };
      if (p.origin === "array" || p.origin === "set")
        return small
          ? { code: "too_few", zh: `至少 ${limit} 项`, en: `must have at least ${limit} entries` }
          : { code: "too_many", zh: `不能超过 ${limit} 项`, en: `must have at most ${limit} entries` };
      return small
        ? { code: "too_small", zh: `不能小于 ${limit}`, en: `must be at least ${limit}` }
        : { code: "too_big", zh: `不能大于 ${limit}`, en: `must be at most ${limit}` };
    }
    case "invalid_format":
      if (p.format === "datetime") return instantWords;
      if (p.pattern === String(ID_PATTERN)) return idWords;
      if (p.pattern === String(PHONE_PATTERN))
        return {
          code: "invalid_phone",
          zh: "不是有效的手机或座机号码",
          en: "is not a valid mobile or landline number",
        };
      if (path === "headers.idempotency-key")
        return {
          code: "invalid_idempotency_key",
          zh: "请发送 8–128 位字母、数字或 _.:- 组成的 Idempotency-Key",
          en: issue.message,
        };
      return { code: "invalid_format", zh: "格式不正确", en: issue.message };
    case "invalid_value": {
      const values = Array.isArray(p.values) ? p.values.map(String) : [];
      return {
        code: "not_one_of",
        zh: `只能是以下之一：${values.join("、")}`,
        en: `must be one of: ${values.join(", ")}`,
      };
    }
    case "unrecognized_keys":
      return { code: "unknown_field", zh: "不是此请求的字段", en: "is not a field of this request" };
    case "custom":
      return customWords(String(custom.code ?? ""), custom, issue.message);
    default:
      return { code: "invalid", zh: "格式不正确", en: issue.message };
  }
};

const idWords = {
  code: "invalid_id",
  zh: "不是有效的编号（1–64 位字母、数字、_ 或 -，以字母或数字开头）",
  en: "is not a valid id (1-64 letters, digits, _ or -, starting with a letter or digit)",
};

const instantWords = {
  code: "invalid_instant",
  zh: "不是带时区的真实日期时间（ISO 8601，例如 2026-03-01T08:00:00+08:00）",
  en: "is not a real date and time with a time zone (ISO 8601, e.g. 2026-03-01T08:00:00+08:00)",
};

const customWords = (
  code: string,
  params: Record<string, unknown>,
  english: string,
): { code: string } & Words => {
  const character = String(params.character ?? "");
  switch (code) {
    case "text_control_character":
      return { code, zh: `含有控制字符（${character}）`, en: english };
    case "text_invisible_character":
      return { code, zh: `含有不可见字符或控制字符（${character}）`, en: english };
    case "text_lone_surrogate":
      return { code, zh: `含有损坏的字符（${character}）`, en: english };
    case "text_empty":
      return { code, zh: "不能为空", en: english };
    case "text_no_letters":
      return { code, zh: "不能只有空格或标点，须含文字或数字", en: english };
    case "text_too_long":
      return { code, zh: `不能超过 ${num(params.max)} 个字符`, en: english };
    case "id_card_number":
      return { code, zh: "不是有效的居民身份证号码（GB 11643：省级代码、出生日期、校验码）", en: english };
    case "invalid_instant":
      return instantWords;
    case "duplicate_items":
      return { code, zh: "同一项不能重复", en: english };
    // 000 §二十二(五): blood products in the units blood services issue them in.
    case "plasma_50_ml_steps":
      return { code, zh: "血浆按 50 mL 的整数倍申请和发放", en: english };
    case "duplicate_product":
      return { code, zh: "每种血液制剂只填一次", en: english };
    default:
      return { code: "invalid", zh: "格式不正确", en: english };
  }
};

/** Every problem of a rejected request, each with its field path and words in the request's language. */
export const fieldErrors = (
  context: string,
  issues: readonly ValidationIssue[],
  language: Language,
): FieldError[] =>
  issues.flatMap((issue) => {
    const path = [context, ...issue.instancePath.split("/").filter(Boolean)].join(".");
    const words = describe(issue, path);
    // An unknown field is named itself, not its parent object.
    const keys =
      issue.keyword === "unrecognized_keys" && Array.isArray(issue.params.keys) ? issue.params.keys : [];
    const paths = keys.length > 0 ? keys.map((key) => `${path}.${String(key)}`) : [path];
    return paths.map((at) => ({ path: at, code: words.code, message: words[language] }));
  });
