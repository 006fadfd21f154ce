import { PATIENT_KINDS, type PatientKind, RISK_GRADES, type RiskGrade } from "./model.js";
import { type checker, type NumberInput, parseNumber } from "./validation.js";

/** The patient part of the referral and off-protocol arrival forms. */
export interface PatientForm {
  patientKind: PatientKind | "";
  name: string;
  idCardNumber: string;
  phone: string;
  age: NumberInput;
  gestationalWeeks: NumberInput;
  riskGrade: RiskGrade | "";
}

export const emptyPatient = (): PatientForm => ({
  patientKind: "maternal",
  name: "",
  idCardNumber: "",
  phone: "",
  age: "",
  gestationalWeeks: "",
  riskGrade: "",
});

/** PatientIdentity, GestationalWeeks, RiskGrade and PatientKind rules of the API. */
export const checkPatient = (c: ReturnType<typeof checker>, p: PatientForm): void => {
  c.choice("patientKind", p.patientKind, PATIENT_KINDS);
  c.person("patient.name", p.name);
  c.idCard("patient.idCardNumber", p.idCardNumber);
  c.phone("patient.phone", p.phone);
  c.number("patient.age", p.age, { min: 0, max: 70, integer: true });
  c.number("gestationalWeeks", p.gestationalWeeks, { min: 0, max: 45 });
  c.choice("riskGrade", p.riskGrade, RISK_GRADES);
};

/** The body fields for the patient; empty optional fields are left out. */
export const patientBody = (p: PatientForm) => {
  const age = parseNumber(p.age);
  const weeks = parseNumber(p.gestationalWeeks);
  const idCardNumber = p.idCardNumber.trim().toUpperCase();
  const phone = p.phone.trim();
  return {
    patientKind: p.patientKind,
    patient: {
      name: p.name.trim(),
      ...(idCardNumber ? { idCardNumber } : {}),
      ...(phone ? { phone } : {}),
      ...(age !== undefined ? { age } : {}),
    },
    ...(weeks !== undefined ? { gestationalWeeks: weeks } : {}),
    riskGrade: p.riskGrade,
  };
};
