import { createHash } from "node:crypto";
import { CASE_ID_ALPHABET } from "@mtc/domain";
import { customRandom } from "nanoid";

const CASE_ID_LENGTH = 6;

/** One formatter per time zone: making one costs more than the rest of a case id together. */
const yearFormats = new Map<string, Intl.DateTimeFormat>();

/** The year in the region's time zone (a case opened on 31 December 23:30 in Beijing belongs to that year). */
const yearIn = (instant: string, timeZone: string): string => {
  let format = yearFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en", { timeZone, year: "numeric" });
    yearFormats.set(timeZone, format);
  }
  return format.format(new Date(instant));
};

/** Bytes as many as asked for, derived from a seed: the same seed gives the same bytes, call after call. */
const bytesFrom = (seed: string) => {
  let block = 0;
  return (size: number): Uint8Array => {
    const out = new Uint8Array(size);
    for (let filled = 0; filled < size; block++) {
      const digest = createHash("sha256").update(`${seed}:${block}`).digest();
      const take = Math.min(digest.length, size - filled);
      out.set(digest.subarray(0, take), filled);
      filled += take;
    }
    return out;
  };
};

/**
 * The id of a case the service opens (issue 8 finding 1: case identity is the server's): `<REGION>-<YYYY>-<6>`,
 * e.g. `JC-2026-7KX3F9`. The six characters come from the command id (and the attempt), so a retried command
 * computes the same candidates. Six characters give ≈ 887 million ids a year, so among 50,000 cases a year a
 * repeat is likely (birthday bound): the command bus claims each candidate in the log and skips a taken one.
 */
export const caseIdFor = (
  region: { code: string; timeZone: string },
  commandId: string,
  occurredAt: string,
  attempt = 0,
): string => {
  const suffix = customRandom(CASE_ID_ALPHABET, CASE_ID_LENGTH, bytesFrom(`case:${commandId}:${attempt}`))();
  return `${region.code}-${yearIn(occurredAt, region.timeZone)}-${suffix}`;
};
