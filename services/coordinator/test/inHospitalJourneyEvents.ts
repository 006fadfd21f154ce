/**
 * Every event type the in-hospital journey (issue 9) leaves in the case timeline, in the order it happens: the
 * API journey and the pages' journey walk the same story and look for the same record.
 */
export const IN_HOSPITAL_JOURNEY_EVENTS = [
  "TransferRequested",
  "UnitDispatched",
  "TransferDeparted",
  "PreArrivalAlertRaised",
  "PreArrivalAlertAcknowledged",
  "MdtPreActivated",
  "MemberCalled",
  "MemberArrived",
  "LeaderAppointed",
  "ServicesPutOnStandby",
  "StandbyAcknowledged",
  "MdtFullyStaffed",
  "BloodRequested",
  "BloodRequestAcknowledged",
  "BloodIssued",
  "BloodPacked",
  "BloodHandedOver",
  "BloodDelivered",
  "TransferArrived",
  "HandoverCompleted",
] as const;
