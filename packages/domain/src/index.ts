export {
  type BloodFacts,
  type BloodProgress,
  type BloodState,
  type Consignment,
  evolve as evolveBlood,
  initialState as initialBloodState,
  outstanding as bloodOutstanding,
  progressOf as bloodProgressOf,
} from "./blood/blood.js";
export * from "./blood/commands.js";
export {
  bloodDecider,
  compatible as bloodCompatible,
  decide as decideBlood,
  TRANSPORT_TEMPERATURE,
} from "./blood/decide.js";
export * from "./blood/events.js";
export * from "./events.js";
export * from "./mdt/commands.js";
export {
  decide as decideMdt,
  mdtDecider,
} from "./mdt/decide.js";
export { type MdtEvent, mdtEventSchemas, RecordedJudgement } from "./mdt/events.js";
export {
  evolve as evolveMdt,
  initialState as initialMdtState,
  isAssociateChiefOrAbove,
  type MdtCall,
  type MdtConsult,
  type MdtFacts,
  type MdtState,
  type MdtStatus,
  qualifiesForFullActivation,
  requiresHospitalHead,
} from "./mdt/mdt.js";
export * from "./reference/capability.js";
export * from "./reference/distance.js";
export * from "./reference/lookup.js";
export * from "./reference/reference.js";
export type { ReferralCommand } from "./referral/commands.js";
export { referralCommandSchemas } from "./referral/commands.js";
export {
  acceptReferral,
  cancelReferral,
  completeReferral,
  decide as decideReferral,
  declineReferral,
  escalateReferral,
  recordReception,
  redirectReferral,
  referralDecider,
  registerOffProtocolArrival,
  requestReferral,
} from "./referral/decide.js";
export type { ReferralEvent } from "./referral/events.js";
export { referralEventSchemas } from "./referral/events.js";
export {
  evolve as evolveReferral,
  initialState as initialReferralState,
  type ReferralFacts,
  type ReferralState,
  type ReferralStatus,
} from "./referral/referral.js";
export * from "./shared/clinical.js";
export * from "./shared/context.js";
export * from "./shared/decider.js";
export * from "./shared/identity.js";
export * from "./shared/risk.js";
export * from "./shared/rules.js";
export * from "./shared/steps.js";
export * from "./shared/time.js";
export * from "./shared/workingDays.js";
export type { TransferCommand } from "./transfer/commands.js";
export { transferCommandSchemas } from "./transfer/commands.js";
export {
  acknowledgePreArrivalAlert,
  cancelTransfer,
  completeHandover,
  decide as decideTransfer,
  dispatchUnit,
  divertTransfer,
  recordArrival,
  recordDeparture,
  recordEnRouteCare,
  recordRemoteGuidance,
  recordUnitArrivedAtOrigin,
  requestTransfer,
  transferDecider,
  updateArrivalEta,
} from "./transfer/decide.js";
export type { TransferEvent } from "./transfer/events.js";
export { transferEventSchemas } from "./transfer/events.js";
export * from "./transfer/preArrival.js";
export {
  evolve as evolveTransfer,
  initialState as initialTransferState,
  requiredAmbulanceTypes,
  type TransferFacts,
  type TransferState,
  type TransferStatus,
} from "./transfer/transfer.js";
export type { UnitCommand } from "./unit/commands.js";
export {
  RecordUnitDisinfected,
  ReturnUnitToService,
  TakeUnitOutOfService,
  unitCommandSchemas,
} from "./unit/commands.js";
export {
  assignUnit,
  decide as decideUnit,
  recordUnitDisinfected,
  recordUnitStatus,
  releaseUnit,
  returnUnitToService,
  takeUnitOutOfService,
  UNIT_STATUS_WORDS,
  unitDecider,
} from "./unit/decide.js";
export { type UnitEvent, UnitStatus, unitEventSchemas } from "./unit/events.js";
export { rankUnits, type UnitNow, type UnitOption } from "./unit/ranking.js";
export {
  DISPATCHABLE,
  evolve as evolveUnit,
  initialState as initialUnitState,
  ON_TRANSFER,
  type UnitState,
  type UnitTransfer,
} from "./unit/unit.js";
