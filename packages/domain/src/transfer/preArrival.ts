import { z } from "zod";
import { Instant, PersonName, RecordedId, RecordedText, Text } from "../shared/clinical.js";
import { RiskGrade } from "../shared/risk.js";

/**
 * The pre-arrival alert (到达前预警, issue 9 §1): when a transfer departs, the receiving institution learns who is
 * coming, in what condition, when, and what to have ready. 000 §十二(八), R-TRF-7: the transferring institution,
 * the dispatch centre and the receiving institution share one live record. It lives on the transfer stream.
 */

/** What the crew asks the receiving institution to have ready (a closed list, plus free text). */
export const ReadinessAsk = z.enum([
  "theatre", // 手术室
  "blood", // 备血
  "nicu_cot", // 新生儿重症监护床位
  "specialists", // 专科专家到场
]);
export type ReadinessAsk = z.infer<typeof ReadinessAsk>;

export const Readiness = z.strictObject({
  asks: z
    .array(ReadinessAsk)
    .max(ReadinessAsk.options.length)
    .refine((asks) => new Set(asks).size === asks.length, {
      message: "names an item twice",
      params: { code: "duplicate_items" },
    }),
  note: Text("long", 1000).optional(),
});
export type Readiness = z.infer<typeof Readiness>;

export const RecordedReadiness = z.object({ asks: z.array(ReadinessAsk), note: RecordedText.optional() });

/** The longest an ETA may lie after the step that gives it: beyond that it is a typing error. */
export const MAX_ETA_HOURS = 24;

/** Commands of the alert; the departure itself (`RecordDeparture`) carries the first ETA and the asks. */
export const UpdateArrivalEta = z.strictObject({
  expectedArrivalAt: Instant,
  updatedBy: PersonName,
  occurredAt: Instant,
});

export const AcknowledgePreArrivalAlert = z.strictObject({
  acknowledgedBy: PersonName,
  occurredAt: Instant,
});

/** Raised on departure, and again for the new destination when a departed transfer is diverted. */
export const PreArrivalAlertRaised = z.strictObject({
  transferId: RecordedId,
  caseId: RecordedId,
  destinationInstitutionId: RecordedId,
  riskGrade: RiskGrade,
  /** 预计到达时间, given by the crew or the dispatcher; absent until someone gives it. */
  expectedArrivalAt: Instant.optional(),
  readiness: RecordedReadiness,
  cause: z.enum(["departure", "diversion"]),
  occurredAt: Instant,
});

export const PreArrivalEtaUpdated = z.strictObject({
  transferId: RecordedId,
  caseId: RecordedId,
  destinationInstitutionId: RecordedId,
  expectedArrivalAt: Instant,
  updatedBy: RecordedText,
  occurredAt: Instant,
});

/** 接收确认: the receiving institution has read the alert; by whom and when. */
export const PreArrivalAlertAcknowledged = z.strictObject({
  transferId: RecordedId,
  caseId: RecordedId,
  institutionId: RecordedId,
  acknowledgedBy: RecordedText,
  occurredAt: Instant,
});

/** Both commands as one table, for their routes. */
export const preArrivalCommandSchemas = { UpdateArrivalEta, AcknowledgePreArrivalAlert } as const;

/** The alert as the transfer's state keeps it: for the current destination. */
export interface PreArrivalAlertState {
  destinationInstitutionId: string;
  readiness: z.infer<typeof RecordedReadiness>;
  expectedArrivalAt: string | undefined;
  acknowledged: boolean;
}
