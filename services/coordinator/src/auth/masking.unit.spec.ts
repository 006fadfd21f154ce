import { describe, expect, it } from "vitest";
import { maskIdentities } from "./masking.js";
import type { Principal } from "./roles.js";

const dispatcher = { userId: "d", displayName: "调度员", role: "dispatcher" } as Principal;
const hospital = {
  userId: "h",
  displayName: "医生",
  role: "hospital_staff",
  institutionId: "x",
} as Principal;
const patient = { name: "皇甫秋月", idCardNumber: "51080219930405123X", phone: "13700002201", age: 33 };

describe("masking identities for roles that do not need them", () => {
  it("masks every patient inside objects and arrays, and leaves the input as it was", () => {
    const input = {
      asOf: "2026-11-29T10:00:00.000Z",
      items: [
        {
          id: "a",
          riskGrade: "red",
          patient: { ...patient },
          stepsAt: { requested: "2026-11-29T09:00:00.000Z" },
        },
        { id: "b", nested: { deeper: [{ patient: { ...patient, phone: undefined } }] } },
      ],
    };
    const before = JSON.stringify(input);
    const masked = maskIdentities(dispatcher, input);
    expect(JSON.stringify(input)).toBe(before);
    const text = JSON.stringify(masked);
    for (const value of [patient.name, patient.idCardNumber, patient.phone])
      expect(text).not.toContain(value);
    expect(masked.items[0]).toMatchObject({ riskGrade: "red", patient: { age: 33 } });
    expect(masked.asOf).toBe(input.asOf);
  });

  it("copies only what leads to a patient: the rest is shared, and a value without one is returned as it is", () => {
    const steps = { requested: "2026-11-29T09:00:00.000Z" };
    const plain = { id: "c", tags: ["x"], steps };
    const input = { items: [{ id: "a", patient, steps }, plain] };
    const masked = maskIdentities(dispatcher, input);
    expect(masked).not.toBe(input);
    expect(masked.items[0]).not.toBe(input.items[0]);
    expect(masked.items[0]?.steps).toBe(steps);
    expect(masked.items[1]).toBe(plain);
    expect(maskIdentities(dispatcher, plain)).toBe(plain);
  });

  it("roles that see identities get the value itself", () => {
    const input = { patient };
    expect(maskIdentities(hospital, input)).toBe(input);
  });
});
