import type { Arrival } from "@mtc/projections";
import { describe, expect, it } from "vitest";
import { arrivalFor, seesArrival, showsIdentity } from "./arrivals.js";
import type { Principal, Role } from "./auth/roles.js";

const arrival = (riskGrade: string, asks: string[]): Arrival =>
  ({
    id: "transfer-t1",
    transferId: "t1",
    caseId: "c1",
    patient: { name: "王秀兰", idCardNumber: "11010519491231002X" },
    riskGrade,
    originInstitutionId: "county",
    destinationInstitutionId: "centre",
    alert: { asks },
  }) as unknown as Arrival;
/** The centre's emergency blood plan names the station "blood"; the county has none. */
const plans = new Map([["centre", "blood"]]);
const stationOf = (institutionId: string) => plans.get(institutionId);
const user = (role: Role, institutionId?: string): Principal => ({
  userId: role,
  displayName: role,
  role,
  ...(institutionId ? { institutionId } : {}),
});

describe("who sees a pre-arrival alert (issue 9 §1)", () => {
  it("R-TRF-7: the destination's staff see every alert addressed to them, no other hospital does", () => {
    expect(seesArrival(user("hospital_staff", "centre"), arrival("yellow", []), stationOf)).toBe(true);
    expect(seesArrival(user("hospital_staff", "county"), arrival("red", ["blood"]), stationOf)).toBe(false);
    expect(seesArrival(user("hospital_staff", "clinic"), arrival("red", ["blood"]), stationOf)).toBe(false);
  });

  it("000 §十六(四): medical affairs of the destination sees orange-or-above women or alerts with asks", () => {
    const medaffairs = user("medical_affairs", "centre");
    expect(seesArrival(medaffairs, arrival("orange", []), stationOf)).toBe(true);
    expect(seesArrival(medaffairs, arrival("yellow", ["specialists"]), stationOf)).toBe(true);
    expect(seesArrival(medaffairs, arrival("yellow", []), stationOf)).toBe(false);
    expect(seesArrival(user("medical_affairs", "other"), arrival("red", []), stationOf)).toBe(false);
  });

  it("000 §二十二(五) R-BLD-3: a blood station sees only its plan hospitals' alerts that ask for blood, masked", () => {
    const station = user("blood_station", "blood");
    expect(seesArrival(user("blood_station", "other_station"), arrival("red", ["blood"]), stationOf)).toBe(
      false,
    );
    expect(
      seesArrival(station, { ...arrival("red", ["blood"]), destinationInstitutionId: "county" }, stationOf),
    ).toBe(false);
    expect(seesArrival(station, arrival("yellow", ["theatre"]), stationOf)).toBe(false);
    const seen = arrivalFor(station, arrival("yellow", ["blood"]), stationOf);
    expect(seen?.patient.name).not.toBe("王秀兰");
    expect(seen?.patient.idCardNumber).not.toBe("11010519491231002X");
  });

  it("R-TRF-7: identities go only to the destination's own roles; the dispatcher sees them masked", () => {
    expect(showsIdentity(user("hospital_staff", "centre"), arrival("red", []))).toBe(true);
    expect(showsIdentity(user("dispatcher"), arrival("red", []))).toBe(false);
    expect(arrivalFor(user("dispatcher"), arrival("red", []), stationOf)?.patient.name).not.toBe("王秀兰");
    expect(arrivalFor(user("auditor"), arrival("red", []), stationOf)?.patient.name).not.toBe("王秀兰");
  });
});
