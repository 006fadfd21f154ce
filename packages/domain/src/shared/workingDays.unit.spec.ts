import { describe, expect, it } from "vitest";
import { addWorkingDays, isShanghaiWorkingDay } from "./workingDays.js";

/** An instant at the given Asia/Shanghai wall-clock time. */
const shanghai = (isoLocal: string): Date => new Date(`${isoLocal}+08:00`);
/** The end (23:59:59.999) of an Asia/Shanghai calendar day, as a UTC instant. */
const endOfShanghaiDay = (date: string): Date => new Date(`${date}T23:59:59.999+08:00`);

describe("working days (State Council calendar, Asia/Shanghai)", () => {
  it("2025 National Day: Sunday 28 September and Saturday 11 October are make-up working days (调休)", () => {
    expect(isShanghaiWorkingDay(new Date("2025-09-28T00:00:00Z"))).toBe(true); // Sunday, worked
    expect(isShanghaiWorkingDay(new Date("2025-10-11T00:00:00Z"))).toBe(true); // Saturday, worked
    expect(isShanghaiWorkingDay(new Date("2025-10-06T00:00:00Z"))).toBe(false); // Monday, holiday
    expect(isShanghaiWorkingDay(new Date("2025-09-27T00:00:00Z"))).toBe(false); // ordinary Saturday
  });

  it("000 §十九(三) R-DTH-2: 2 working days from Friday 26 Sep 2025 end on Monday 29 Sep, the make-up Sunday 28 Sep counting", () => {
    expect(addWorkingDays(shanghai("2025-09-26T10:00:00"), 2)).toEqual(endOfShanghaiDay("2025-09-29"));
  });

  it("000 §二十(二) R-DTH-5: 7 working days across Golden Week skip 1-8 October and count Saturday 11 October", () => {
    // From Tuesday 30 Sep: 9 Oct (Thu), 10 Oct (Fri), 11 Oct (Sat, make-up), 13, 14, 15, 16 Oct.
    expect(addWorkingDays(shanghai("2025-09-30T15:00:00"), 7)).toEqual(endOfShanghaiDay("2025-10-16"));
    expect(addWorkingDays(shanghai("2025-09-30T15:00:00"), 3)).toEqual(endOfShanghaiDay("2025-10-11"));
  });

  it("the calendar day is Shanghai's: 23:30 UTC on Thursday is already Friday in Shanghai", () => {
    // 2025-09-25T23:30Z = Fri 26 Sep 07:30 Shanghai; +1 working day = Sun 28 Sep (make-up day).
    expect(addWorkingDays(new Date("2025-09-25T23:30:00Z"), 1)).toEqual(endOfShanghaiDay("2025-09-28"));
    expect(addWorkingDays(new Date("2025-09-25T23:30:00Z"), 1).toISOString()).toBe(
      "2025-09-28T15:59:59.999Z",
    );
  });

  it("0 days gives the end of the same working day, or of the next one during a holiday", () => {
    expect(addWorkingDays(shanghai("2025-09-30T09:00:00"), 0)).toEqual(endOfShanghaiDay("2025-09-30"));
    expect(addWorkingDays(shanghai("2025-10-03T09:00:00"), 0)).toEqual(endOfShanghaiDay("2025-10-09"));
  });

  it("refuses negative or fractional day counts", () => {
    expect(() => addWorkingDays(new Date(), -1)).toThrow(RangeError);
    expect(() => addWorkingDays(new Date(), 1.5)).toThrow(RangeError);
  });
});
