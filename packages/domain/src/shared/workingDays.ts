// The State Council calendar as the chinese-days package publishes it: { holidays, workdays, inLieuDays } keyed
// by "YYYY-MM-DD". Its functions (isWorkday…) build and read these keys with the process's local time, which
// shifts every date by one day west of Greenwich; the data itself is time-zone free, so it is read directly.
import calendar from "chinese-days/dist/chinese-days.json" with { type: "json" };

// Maps, not the parsed objects: a lookup by key must never reach Object.prototype.
const holidays: ReadonlyMap<string, string> = new Map(Object.entries(calendar.holidays));
const makeUpWorkdays: ReadonlyMap<string, string> = new Map(Object.entries(calendar.workdays)); // 调休上班

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000; // Asia/Shanghai is UTC+8 all year (no daylight saving since 1991)
const DAY_MS = 24 * 60 * 60 * 1000;

/** The Asia/Shanghai calendar date of an instant, as a UTC-midnight Date carrying year/month/day. */
const shanghaiDate = (instant: Date): Date => {
  const shifted = new Date(instant.getTime() + SHANGHAI_OFFSET_MS);
  return new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate()));
};

/**
 * Whether a calendar date (given as a UTC-midnight Date) is a working day under the State Council calendar:
 * a make-up working weekend (调休) works, a public holiday does not, otherwise Monday to Friday work.
 */
export const isShanghaiWorkingDay = (date: Date): boolean => {
  const key = date.toISOString().slice(0, 10);
  if (makeUpWorkdays.has(key)) return true;
  if (holidays.has(key)) return false;
  const weekday = date.getUTCDay();
  return weekday >= 1 && weekday <= 5;
};

/**
 * The deadline `days` working days after `from`, in Asia/Shanghai working days.
 *
 * Convention: the day of `from` itself does not count (a death on Friday reported "within 2 working days" is due
 * by the end of Tuesday); the result is the end of the last counted working day, 23:59:59.999 Asia/Shanghai,
 * returned as a UTC instant (15:59:59.999Z). `days = 0` gives the end of `from`'s day when that is a working day,
 * else the end of the next working day. Years the package has no calendar for fall back to Monday–Friday.
 */
export const addWorkingDays = (from: Date, days: number): Date => {
  if (!Number.isInteger(days) || days < 0)
    throw new RangeError(`days must be a non-negative integer, got ${days}`);
  let date = shanghaiDate(from);
  if (days === 0) {
    while (!isShanghaiWorkingDay(date)) date = new Date(date.getTime() + DAY_MS);
  } else {
    let left = days;
    while (left > 0) {
      date = new Date(date.getTime() + DAY_MS);
      if (isShanghaiWorkingDay(date)) left--;
    }
  }
  return new Date(date.getTime() + DAY_MS - SHANGHAI_OFFSET_MS - 1);
};
