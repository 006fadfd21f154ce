import { Id } from "@mtc/domain";
import { z } from "zod";

export const Role = z.enum([
  "dispatcher", // 120 调度员
  "hospital_staff", // 医疗机构工作人员, bound to one institution
  "medical_affairs", // 医务科, bound to one institution
  "blood_station", // 血站
  "health_admin", // 卫生健康行政部门
  "auditor", // 审计 / 质控: reads only
  "admin",
]);
export type Role = z.infer<typeof Role>;

/** Roles whose users act for one institution and see only what concerns it. */
export const institutionBoundRoles: ReadonlySet<Role> = new Set([
  "hospital_staff",
  "medical_affairs",
  "blood_station",
]);

/** Roles that see the whole region. */
export const regionWideRoles: ReadonlySet<Role> = new Set(["dispatcher", "health_admin", "auditor", "admin"]);

/** Roles that do not need the patient's identity for their work: names, ID numbers and phones are masked. */
export const identityMaskedRoles: ReadonlySet<Role> = new Set(["dispatcher", "blood_station"]);

export const User = z
  .strictObject({
    username: z.string().regex(/^[a-z0-9_.]{3,40}$/),
    displayName: z.string().min(1),
    role: Role,
    institutionId: Id.optional(),
    passwordHash: z.string().startsWith("$argon2"),
  })
  .refine((u) => !institutionBoundRoles.has(u.role) || u.institutionId, {
    message: "hospital staff, medical affairs and blood station users must name their institutionId",
  });
export type User = z.infer<typeof User>;

/** What a signed token carries and what every handler sees as `request.principal`. */
export interface Principal {
  userId: string;
  displayName: string;
  role: Role;
  institutionId?: string | undefined;
}
