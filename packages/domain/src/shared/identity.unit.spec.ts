import { describe, expect, it } from "vitest";
import {
  IdCardNumber,
  maskIdCardNumber,
  maskName,
  maskPatientIdentity,
  maskPhone,
  PhoneNumber,
} from "./identity.js";
import { isValidIdCardNumber } from "./rules.js";

describe("identity", () => {
  it("GB 11643-1999: valid numbers pass the MOD 11-2 check character, X included", () => {
    expect(isValidIdCardNumber("11010519491231002X")).toBe(true);
    expect(isValidIdCardNumber("440524198001010013")).toBe(true);
    expect(isValidIdCardNumber("11010519000101001X")).toBe(true); // 1 January 1900, the earliest accepted
    expect(isValidIdCardNumber("110105200002290013")).toBe(true); // 29 February of a leap year
    expect(IdCardNumber.parse("11010519491231002x")).toBe("11010519491231002X");
  });

  it("GB 11643-1999: a wrong check character is refused", () => {
    expect(isValidIdCardNumber("110105194912310021")).toBe(false);
    expect(isValidIdCardNumber("440524188001010015")).toBe(false);
    expect(IdCardNumber.safeParse("110105194912310021").success).toBe(false);
  });

  it("GB 11643-1999: a right check character on a wrong region or birth date is still refused", () => {
    expect(isValidIdCardNumber("990524198001010010")).toBe(false); // 99 is no province code
    expect(isValidIdCardNumber("440524188001010014")).toBe(false); // born 1880: before 1900
    expect(isValidIdCardNumber("110105189912310015")).toBe(false); // born 1899
    expect(isValidIdCardNumber("110105190002290017")).toBe(false); // 1900 was not a leap year
    expect(isValidIdCardNumber("110105209901010012", new Date("2026-11-29T00:00:00Z"))).toBe(false); // born 2099
  });

  it("GB 11643-1999: an impossible birth date or a bad shape is refused", () => {
    expect(isValidIdCardNumber("110105194902300000")).toBe(false); // 30 February
    expect(isValidIdCardNumber("110105194913010000")).toBe(false); // month 13
    expect(isValidIdCardNumber("11010519491231002")).toBe(false); // 17 characters
    expect(isValidIdCardNumber("11010519491231002Y")).toBe(false);
  });

  it("phone numbers: mainland mobiles and landlines with area code", () => {
    for (const ok of ["13812345678", "19912345678", "0531-87654321", "010-12345678", "05318765432"]) {
      expect(PhoneNumber.safeParse(ok).success, ok).toBe(true);
    }
    for (const bad of ["12812345678", "1381234567", "531-87654321", "+8613812345678", "电话"]) {
      expect(PhoneNumber.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("masking hides names, ID-card numbers and phones for roles that do not need them", () => {
    expect(maskName("王小红")).toBe("王**");
    expect(maskName("王")).toBe("*");
    expect(maskIdCardNumber("11010519491231002X")).toBe("110105********002X");
    expect(maskPhone("13812345678")).toBe("138****5678");
    expect(
      maskPatientIdentity({
        name: "王小红",
        idCardNumber: "11010519491231002X",
        phone: "13812345678",
        age: 30,
      }),
    ).toEqual({
      name: "王**",
      idCardNumber: "110105********002X",
      phone: "138****5678",
      age: 30,
    });
  });
});
