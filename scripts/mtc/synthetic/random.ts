/** Deterministic randomness for the synthetic region: the same seed writes the same log. */

/** mulberry32: small, fast, and good enough for test data. */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    /** One of `weights`' keys, with probability proportional to its weight. */
    weighted: <K extends string>(weights: Readonly<Record<K, number>>): K => {
      const entries = Object.entries(weights) as [K, number][];
      let r = next() * entries.reduce((sum, [, w]) => sum + w, 0);
      for (const [key, w] of entries) {
        r -= w;
        if (r < 0) return key;
      }
      return (entries.at(-1) as [K, number])[0];
    },
    /** Exponentially distributed, for the gaps between independent arrivals. */
    exponential: (mean: number) => -mean * Math.log(1 - next()),
  };
};
export type Rng = ReturnType<typeof prng>;

/** The server's case-id alphabet: no 0/O, 1/I/L, so that an id read over the phone is unambiguous. */
export const CASE_ID_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const CASE_ID_SPACE = CASE_ID_ALPHABET.length ** 6;
// A multiplier coprime to 31^6 makes n → n·M + O a permutation: unique ids that do not look sequential.
const CASE_ID_MULTIPLIER = 387_420_489;
const CASE_ID_OFFSET = 123_456_789;

/** `JC-YYYY-XXXXXX` (the server's format): the n-th case of the region, unique for n below 31^6. */
export const caseIdFor = (n: number, year: number): string => {
  let v = Number((BigInt(n) * BigInt(CASE_ID_MULTIPLIER) + BigInt(CASE_ID_OFFSET)) % BigInt(CASE_ID_SPACE));
  let suffix = "";
  for (let i = 0; i < 6; i++) {
    suffix = CASE_ID_ALPHABET[v % CASE_ID_ALPHABET.length] + suffix;
    v = Math.floor(v / CASE_ID_ALPHABET.length);
  }
  return `JC-${year}-${suffix}`;
};

const SURNAMES = [
  ..."王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤",
];
const GIVEN = [..."秀兰娟敏芳静丽霞燕红梅玲英华萍莉雪琳婷慧颖倩晶洁云凤桂珍玉琴月春艳丹宁欣怡佳悦思雨涵雅婉"];

/** A woman's name: a surname and one or two given characters. */
export const womansName = (rng: Rng): string =>
  rng.pick(SURNAMES) + rng.pick(GIVEN) + (rng.chance(0.7) ? rng.pick(GIVEN) : "");

/** A clinician's name, with the title the forms show. */
export const clinicianName = (rng: Rng, title: string): string => `${rng.pick(SURNAMES)}${title}`;

// Administrative division codes (GB/T 2260) of the kind a prefecture-level city has: city districts and counties.
const DIVISION_CODES = [
  "510802",
  "510811",
  "510812",
  "510821",
  "510822",
  "510823",
  "510824",
  "511002",
  "511011",
];
const ID_CARD_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CARD_CHECK_CHARS = "10X98765432";

/** A valid GB 11643 resident ID number of a woman born on `birth` (the 17th digit is even for women). */
export const idCardNumber = (rng: Rng, birth: Date): string => {
  const date = birth.toISOString().slice(0, 10).replaceAll("-", "");
  const order = `${rng.int(0, 99)}`.padStart(2, "0") + String(rng.int(0, 4) * 2);
  const body = rng.pick(DIVISION_CODES) + date + order;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(body[i]) * (ID_CARD_WEIGHTS[i] ?? 0);
  return body + ID_CARD_CHECK_CHARS[sum % 11];
};

const MOBILE_PREFIXES = [
  "134",
  "135",
  "136",
  "137",
  "138",
  "139",
  "150",
  "151",
  "158",
  "159",
  "187",
  "188",
  "199",
];

export const mobileNumber = (rng: Rng): string =>
  rng.pick(MOBILE_PREFIXES) + `${rng.int(0, 99_999_999)}`.padStart(8, "0");
