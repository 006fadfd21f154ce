import { describe, expect, it } from "vitest";
import { referenceLookup } from "../reference/lookup.js";
import { fixtureReference } from "../testing/fixture.js";
import { rankUnits, type UnitNow } from "./ranking.js";

const located = referenceLookup({
  ...fixtureReference,
  institutions: fixtureReference.institutions.map((i) =>
    i.id === "clinic1"
      ? { ...i, location: { latitude: 28.3, longitude: 104.4 } }
      : i.id === "disp"
        ? { ...i, location: { latitude: 28.0, longitude: 104.0 } }
        : i.id === "mch1"
          ? { ...i, location: { latitude: 28.28, longitude: 104.41 } }
          : i,
  ),
  ambulances: [
    ...fixtureReference.ambulances,
    { id: "amb_mon2", callSign: "监护2", type: "monitored", baseInstitutionId: "mch1" },
    { id: "amb_mon3", callSign: "监护3", type: "monitored", baseInstitutionId: "neo" },
  ],
});
const statuses = new Map<string, UnitNow>([
  ["amb_ord", { status: "out_of_service", since: "2025-03-10T07:00:00.000Z", transferId: null }],
  ["amb_inf", { status: "disinfection_pending", since: "2025-03-10T07:00:00.000Z", transferId: null }],
]);

describe("ranking units for a transfer, issue 9 §4", () => {
  it("R-TRF-2 available units of a fitting type come first, nearest to the origin first, unlocated after", () => {
    const ranked = rankUnits(located, ["monitored"], "clinic1", (id) => statuses.get(id));
    expect(ranked.map((o) => o.ambulanceId)).toEqual([
      "amb_mon2", // monitored, 2 km from the clinic
      "amb_mon", // monitored, about 50 km away
      "amb_mon3", // monitored, its station has no coordinates
      "amb_neo", // available, another type
      "amb_ord", // another type and out of service
      "amb_inf", // awaiting disinfection
    ]);
    expect(ranked[0]).toMatchObject({ fits: true, dispatchable: true, needsOverride: false });
    expect(ranked[0]?.distanceKm).toBeLessThan(ranked[1]?.distanceKm ?? 0);
    expect(ranked[2]?.distanceKm).toBeNull();
  });

  it("R-TRF-5 a unit awaiting disinfection is blocked, not offered for an override", () => {
    const ranked = rankUnits(located, ["infectious_disease"], "clinic1", (id) => statuses.get(id));
    const unit = ranked.find((o) => o.ambulanceId === "amb_inf");
    expect(unit).toMatchObject({ fits: true, blocked: true, needsOverride: false, dispatchable: false });
    expect(ranked.at(-1)?.ambulanceId).toBe("amb_inf");
  });

  it("R-TRF-9 a busy unit that fits comes after the free ones and needs an override", () => {
    const busy = new Map<string, UnitNow>([
      ["amb_mon2", { status: "transporting", since: "2025-03-10T07:30:00.000Z", transferId: "t9" }],
    ]);
    const ranked = rankUnits(located, ["monitored"], "clinic1", (id) => busy.get(id));
    const index = ranked.findIndex((o) => o.ambulanceId === "amb_mon2");
    expect(ranked[index]).toMatchObject({ status: "transporting", transferId: "t9", needsOverride: true });
    expect(ranked.slice(0, index).every((o) => o.dispatchable)).toBe(true);
  });
});
