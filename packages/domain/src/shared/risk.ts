import { z } from "zod";

/**
 * Five-colour risk grade (五色分级), 002 二(三)(四), 003 (二)5. R-RISK-1.
 * green 绿 low, yellow 黄 general, orange 橙 higher, red 红 high, purple 紫 infectious disease.
 */
export const RiskGrade = z.enum(["green", "yellow", "orange", "red", "purple"]);
export type RiskGrade = z.infer<typeof RiskGrade>;

export const riskGradeLabel: Record<RiskGrade, string> = {
  green: "绿",
  yellow: "黄",
  orange: "橙",
  red: "红",
  purple: "紫",
};

/** Orange, red and purple enter high-risk case management (专案管理), 002 二(四). R-RISK-2. */
export const isHighRisk = (grade: RiskGrade): boolean =>
  grade === "orange" || grade === "red" || grade === "purple";

/** Order used to sort by urgency: purple and red first. */
export const riskSeverity: Record<RiskGrade, number> = { purple: 4, red: 4, orange: 3, yellow: 2, green: 1 };

export const PatientKind = z.enum(["maternal", "neonatal"]); // 孕产妇 / 新生儿
export type PatientKind = z.infer<typeof PatientKind>;

export const Urgency = z.enum(["emergency", "urgent", "routine"]); // 急诊 / 紧急 / 常规
export type Urgency = z.infer<typeof Urgency>;
