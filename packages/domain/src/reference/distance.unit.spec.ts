import { describe, expect, it } from "vitest";
import { distanceKm } from "./distance.js";

describe("distance between stations (haversine)", () => {
  it("is zero for one place and symmetric", () => {
    const a = { latitude: 28.005, longitude: 104.012 };
    const b = { latitude: 28.312, longitude: 104.468 };
    expect(distanceKm(a, a)).toBe(0);
    expect(distanceKm(a, b)).toBeCloseTo(distanceKm(b, a), 9);
  });

  it("matches a known distance: Beijing to Shanghai is about 1,068 km", () => {
    const beijing = { latitude: 39.9042, longitude: 116.4074 };
    const shanghai = { latitude: 31.2304, longitude: 121.4737 };
    expect(distanceKm(beijing, shanghai)).toBeGreaterThan(1_060);
    expect(distanceKm(beijing, shanghai)).toBeLessThan(1_075);
  });
});
