import { z } from "zod";
import { Id } from "../shared/clinical.js";
import { PhoneNumber } from "../shared/identity.js";

/** Kinds of institution in the rescue network (000 §九, §十一). */
export const InstitutionKind = z.enum([
  "primary_clinic", // 乡镇卫生院 / 社区卫生服务中心
  "midwifery_hospital", // 助产机构
  "mch_hospital", // 妇幼保健院
  "general_hospital", // 综合医院
  "maternal_rescue_centre", // 危重孕产妇救治中心
  "neonatal_rescue_centre", // 危重新生儿救治中心
  "dispatch_centre", // 120 急救指挥调度中心
  "blood_station", // 血站
]);
export type InstitutionKind = z.infer<typeof InstitutionKind>;

/** WGS 84 position of an institution or ambulance station, for nearest-unit ranking (issue 9 §4). */
export const Location = z.strictObject({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
});
export type Location = z.infer<typeof Location>;

export const Institution = z.strictObject({
  id: Id,
  name: z.string().min(1),
  kind: InstitutionKind,
  level: z.union([z.literal(1), z.literal(2), z.literal(3)]), // 一级 / 二级 / 三级
  administrativeLevel: z.enum(["county", "city", "province"]),
  countyId: z.string().min(1),
  contactPhone: PhoneNumber,
  /** Optional: without it, units based here are ranked after those whose distance is known. */
  location: Location.optional(),
});
export type Institution = z.infer<typeof Institution>;

/** Ambulance types (000 §十二(三)(四)(六)). */
export const AmbulanceType = z.enum([
  "monitored", // 监护型: ECG monitor, defibrillator, ventilator
  "infectious_disease", // 负压 / 传染病专用
  "neonatal", // 新生儿转运
  "ordinary", // 普通型
]);
export type AmbulanceType = z.infer<typeof AmbulanceType>;

export const Ambulance = z.strictObject({
  id: Id,
  callSign: z.string().min(1),
  type: AmbulanceType,
  baseInstitutionId: Id,
});
export type Ambulance = z.infer<typeof Ambulance>;

/** Responsibility zone (分片包干, 000 §十一): which rescue centre covers which counties and institutions. */
export const ResponsibilityZone = z.strictObject({
  id: Id,
  name: z.string().min(1),
  maternalRescueCentreId: Id,
  neonatalRescueCentreId: Id.optional(),
  countyIds: z.array(z.string().min(1)),
  institutionIds: z.array(Id),
});
export type ResponsibilityZone = z.infer<typeof ResponsibilityZone>;

/**
 * An institution's emergency blood plan with a blood station (应急用血预案, 000 §二十二(二), R-BLD-3): the station
 * its emergency blood requests go to.
 */
export const BloodSupplyPlan = z.strictObject({
  institutionId: Id,
  bloodStationId: Id,
});
export type BloodSupplyPlan = z.infer<typeof BloodSupplyPlan>;

export const ReferenceData = z.strictObject({
  region: z.strictObject({
    id: Id,
    /** Short code that starts the region's case ids (`JC-2026-7KX3F9`): two to six capital letters. */
    code: z.string().regex(/^[A-Z]{2,6}$/, { message: "a region code is 2-6 capital letters" }),
    name: z.string().min(1),
    timeZone: z.literal("Asia/Shanghai"),
  }),
  institutions: z.array(Institution),
  ambulances: z.array(Ambulance),
  zones: z.array(ResponsibilityZone),
  bloodSupplyPlans: z.array(BloodSupplyPlan).default([]),
});
export type ReferenceData = z.infer<typeof ReferenceData>;
