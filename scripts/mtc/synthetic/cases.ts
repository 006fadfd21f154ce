import {
  type AmbulanceType,
  cannotReceive,
  type Institution,
  isHighRisk,
  type PatientKind,
  type ReferenceLookup,
  type ReferralCommand,
  type RiskGrade,
  requiredAmbulanceTypes,
  type TransferCommand,
  type Urgency,
} from "@mtc/domain";
import { clinicianName, idCardNumber, mobileNumber, type Rng, womansName } from "./random.js";

/**
 * One case's life as the commands the users would send, with when each happened (occurredAt) and when it
 * reached the system (recordedAt). The deciders turn them into events; nothing here writes an event by hand.
 */

/** Who sends a command: the fields of a principal that the command bus puts into the metadata. */
export interface Sender {
  userId: string;
  displayName: string;
  role: "hospital_staff" | "dispatcher" | "health_admin";
  institutionId?: string;
}

export type PlannedCommand =
  | { stream: "referral"; command: ReferralCommand }
  | { stream: "transfer"; command: TransferCommand };

export interface PlannedStep {
  planned: PlannedCommand;
  sender: Sender;
  /** ms since the epoch. */
  occurredAt: number;
  recordedAt: number;
}

export interface PlannedCase {
  caseId: string;
  riskGrade: RiskGrade;
  steps: PlannedStep[];
}

/**
 * Grade mix of the women referred: orange and above ≈ 12 %, inside the 7–16 % of pregnancies that issue 7
 * takes from the source documents (docs/sources/002, 003); most women are green or yellow.
 */
export const GRADE_WEIGHTS: Record<RiskGrade, number> = {
  green: 48,
  yellow: 40,
  orange: 7,
  red: 4,
  purple: 1,
};

/** Share of transfers whose crew enters departure, en-route care and arrival afterwards, in one sitting (补录). */
export const LATE_SITTING_SHARE = 0.12;

const MINUTE = 60_000;

const REASONS: Record<RiskGrade, readonly string[]> = {
  green: ["孕期常规产检异常，需上级医院复查", "胎位不正", "妊娠期贫血（轻度）"],
  yellow: ["妊娠期糖尿病", "瘢痕子宫", "妊娠期高血压", "双胎妊娠"],
  orange: ["前置胎盘", "重度子痫前期", "妊娠合并心脏病（心功能I-II级）", "胎儿生长受限"],
  red: ["产前出血", "子痫", "胎盘早剥", "产后出血", "妊娠合并心脏病（心功能III-IV级）"],
  purple: ["妊娠合并活动性肺结核", "妊娠合并梅毒", "妊娠合并乙肝（高病毒载量）"],
};
const SUMMARIES: Record<RiskGrade, string> = {
  green: "一般情况可，生命体征平稳，需上级医院明确诊断",
  yellow: "生命体征平稳，合并症控制欠佳，建议上级医院评估",
  orange: "病情有加重趋势，需二级以上医院专案管理",
  red: "病情危重，活动性出血，需立即转诊至危重孕产妇救治中心",
  purple: "传染病孕产妇，需负压救护车转运至定点医院",
};

/** What a case needs from the region, looked up once. */
export interface RegionView {
  reference: ReferenceLookup;
  /** Institutions that refer: primary clinics and level-2 hospitals. */
  origins: readonly Institution[];
  receiving: readonly Institution[];
  ambulancesByType: ReadonlyMap<AmbulanceType, readonly string[]>;
  dispatcher: Sender;
  healthAdmin: Sender;
}

export const regionView = (reference: ReferenceLookup): RegionView => {
  const institutions = reference.data.institutions;
  const ambulancesByType = new Map<AmbulanceType, string[]>();
  for (const a of reference.data.ambulances) {
    ambulancesByType.set(a.type, [...(ambulancesByType.get(a.type) ?? []), a.id]);
  }
  return {
    reference,
    origins: institutions.filter(
      (i) => i.kind === "primary_clinic" || (i.level === 2 && cannotReceive(i, "yellow") === undefined),
    ),
    receiving: institutions.filter((i) => cannotReceive(i, "green") === undefined),
    ambulancesByType,
    dispatcher: { userId: "dispatcher", displayName: "120 调度员", role: "dispatcher" },
    healthAdmin: { userId: "healthadmin", displayName: "卫健委 妇幼科", role: "health_admin" },
  };
};

const staffOf = (institutionId: string): Sender => ({
  userId: `staff.${institutionId}`,
  displayName: "值班医生",
  role: "hospital_staff",
  institutionId,
});

const capable = (region: RegionView, grade: RiskGrade, except: readonly string[]): Institution[] =>
  region.receiving.filter((i) => !except.includes(i.id) && cannotReceive(i, grade) === undefined);

const vitalSigns = (rng: Rng, grade: RiskGrade) => {
  const unstable = grade === "red" || grade === "orange";
  return {
    systolicBp: unstable ? rng.int(78, 165) : rng.int(100, 140),
    diastolicBp: unstable ? rng.int(45, 110) : rng.int(60, 90),
    heartRate: unstable ? rng.int(88, 135) : rng.int(68, 100),
    respiratoryRate: rng.int(14, 28),
    spo2: unstable ? rng.int(89, 99) : rng.int(96, 100),
    temperatureC: Math.round((36.2 + rng.next() * 1.6) * 10) / 10,
    consciousness: unstable && rng.chance(0.1) ? ("voice" as const) : ("alert" as const),
  };
};

const iso = (ms: number): string => new Date(ms).toISOString();

interface CaseIds {
  caseId: string;
  referralId: string;
  transferId: string;
}

/**
 * Plans one case starting at `start`. `ids` are the case's and its records' ids (the generator derives the
 * record ids from the creating commands, as the service does).
 */
export const planCase = (rng: Rng, region: RegionView, start: number, ids: CaseIds): PlannedCase => {
  const { reference } = region;
  const riskGrade = rng.weighted(GRADE_WEIGHTS);
  const high = isHighRisk(riskGrade);
  const patientKind: PatientKind = rng.chance(0.05) ? "neonatal" : "maternal";
  const mother = womansName(rng);
  const age = rng.int(18, 44);
  const birth = new Date(start - age * 365.25 * 24 * 60 * MINUTE - rng.int(0, 364) * 24 * 60 * MINUTE);
  // A newborn is registered under the mother's name (…之女/之子) and has no ID card yet.
  const patient =
    patientKind === "neonatal"
      ? { name: `${mother}${rng.chance(0.5) ? "之女" : "之子"}`, phone: mobileNumber(rng), age: 0 }
      : {
          name: mother,
          ...(rng.chance(0.92) ? { idCardNumber: idCardNumber(rng, birth) } : {}),
          ...(rng.chance(0.95) ? { phone: mobileNumber(rng) } : {}),
          age,
        };
  const gestationalWeeks = patientKind === "maternal" ? rng.int(12, 41) : undefined;
  const doctor = clinicianName(rng, "医生");
  const nurse = clinicianName(rng, "护士");
  const chief = clinicianName(rng, "主任");

  const steps: PlannedStep[] = [];
  let t = start;
  let lastReferralRecorded = 0;
  let lastTransferRecorded = 0;
  /** Entered within two minutes unless `recordedAt` says otherwise; never before an earlier step of its stream. */
  const add = (planned: PlannedCommand, sender: Sender, recordedAt = t + rng.int(5, 120) * 1000) => {
    const last = planned.stream === "referral" ? lastReferralRecorded : lastTransferRecorded;
    const step = { planned, sender, occurredAt: t, recordedAt: Math.max(recordedAt, last) };
    if (planned.stream === "referral") lastReferralRecorded = step.recordedAt;
    else lastTransferRecorded = step.recordedAt;
    steps.push(step);
  };
  const after = (lo: number, hi: number) => {
    t += rng.int(lo, hi) * MINUTE;
    return iso(t);
  };
  const referral = (command: ReferralCommand["type"], data: unknown, sender: Sender) =>
    add(
      { stream: "referral", command: { type: command, referralId: ids.referralId, data } as ReferralCommand },
      sender,
    );
  const transfer = (command: TransferCommand["type"], data: unknown, sender: Sender, recordedAt?: number) =>
    add(
      { stream: "transfer", command: { type: command, transferId: ids.transferId, data } as TransferCommand },
      sender,
      recordedAt,
    );

  const origin = rng.pick(region.origins);
  const urgency: Urgency = high
    ? rng.weighted({ emergency: 6, urgent: 3, routine: 1 })
    : rng.weighted({ emergency: 1, urgent: 3, routine: 6 });

  // 001 (五), R-REF-5: a few women arrive at a receiving hospital without any referral.
  if (rng.chance(0.03)) {
    const at = rng.pick(capable(region, riskGrade, []));
    referral(
      "RegisterOffProtocolArrival",
      {
        caseId: ids.caseId,
        patientKind,
        patient,
        gestationalWeeks,
        riskGrade,
        institutionId: at.id,
        ...(rng.chance(0.5) ? { fromInstitutionId: origin.id } : {}),
        clinicalSummary: `未经转诊自行来院；${SUMMARIES[riskGrade]}`,
        receivedBy: nurse,
        occurredAt: iso(t),
      },
      staffOf(at.id),
    );
    referral(
      "CompleteReferral",
      { outcome: "treated_and_discharged", occurredAt: after(600, 7000) },
      staffOf(at.id),
    );
    return { caseId: ids.caseId, riskGrade, steps };
  }

  // 000 §十一(一), 001 (五), R-REF-2: most go to the zone's rescue centre; some name a capable hospital nearer by.
  const zone = reference.zoneOf(origin.id);
  const zoneCentre = zone
    ? patientKind === "neonatal"
      ? (zone.neonatalRescueCentreId ?? zone.maternalRescueCentreId)
      : zone.maternalRescueCentreId
    : undefined;
  const named =
    patientKind === "maternal" && (riskGrade === "green" || riskGrade === "yellow" || !zoneCentre)
      ? capable(region, riskGrade, [origin.id]).find(
          (i) => i.countyId === origin.countyId && i.kind !== "maternal_rescue_centre",
        )
      : undefined;
  const useNamed = named !== undefined && (zoneCentre === undefined || rng.chance(0.5));
  let destination = useNamed ? named.id : (zoneCentre as string);
  referral(
    "RequestReferral",
    {
      caseId: ids.caseId,
      patientKind,
      patient,
      gestationalWeeks,
      riskGrade,
      urgency,
      reasons: [rng.pick(REASONS[riskGrade])],
      clinicalSummary: SUMMARIES[riskGrade],
      fromInstitutionId: origin.id,
      ...(useNamed ? { toInstitutionId: destination } : {}),
      requestedBy: doctor,
      occurredAt: iso(t),
    },
    staffOf(origin.id),
  );

  if (rng.chance(0.04)) {
    referral(
      "CancelReferral",
      { cancelledBy: doctor, reason: "家属拒绝转诊", occurredAt: after(3, 60) },
      staffOf(origin.id),
    );
    return { caseId: ids.caseId, riskGrade, steps };
  }

  if (rng.chance(0.03)) {
    // 000 §十(六): the sender reports a difficulty at once (no bed answer yet); the referral stays open.
    referral(
      "EscalateReferral",
      { escalatedBy: doctor, difficulty: "上级医院暂未回复，请卫健委协调", occurredAt: after(10, 30) },
      staffOf(origin.id),
    );
  }

  if (rng.chance(0.1)) {
    const others = capable(region, riskGrade, [origin.id, destination]);
    const redirectTo = others.length > 0 ? rng.pick(others).id : undefined;
    const escalate = high && (redirectTo === undefined || rng.chance(0.25));
    if (high || redirectTo !== undefined) {
      // 000 §十(七), R-REF-3: orange and above are never simply refused: redirected, or escalated.
      referral(
        "DeclineReferral",
        {
          declinedBy: chief,
          reason: rng.pick(["床位已满", "无新生儿重症监护床位", "手术室占用，无法及时接收"]),
          ...(escalate
            ? { escalate: { difficulty: "片区内救治中心均无床位，请求卫健委协调" } }
            : { redirectTo }),
          occurredAt: after(3, 25),
        },
        staffOf(destination),
      );
      if (escalate) {
        const targets = capable(region, riskGrade, [origin.id, destination]);
        if (targets.length === 0) return { caseId: ids.caseId, riskGrade, steps };
        const target = rng.pick(targets);
        referral(
          "RedirectReferral",
          {
            toInstitutionId: target.id,
            reason: "卫健委协调：转至有床位的救治中心",
            redirectedBy: "卫健委妇幼科",
            occurredAt: after(10, 60),
          },
          region.healthAdmin,
        );
        destination = target.id;
      } else {
        destination = redirectTo as string;
      }
    } else {
      // A green or yellow woman may be declined with a reason; the clinic looks after her or refers again.
      referral(
        "DeclineReferral",
        { declinedBy: chief, reason: "非本院诊疗范围，建议当地县级医院就诊", occurredAt: after(3, 25) },
        staffOf(destination),
      );
      return { caseId: ids.caseId, riskGrade, steps };
    }
  } else if (rng.chance(0.02)) {
    // 001 (五): the sender chooses a better-equipped specialist centre after all.
    const others = capable(region, riskGrade, [origin.id, destination]).filter((i) => i.level === 3);
    if (others.length > 0) {
      const to = rng.pick(others).id;
      referral(
        "RedirectReferral",
        {
          toInstitutionId: to,
          reason: "病情需要，改转专科救治中心",
          redirectedBy: doctor,
          occurredAt: after(2, 20),
        },
        staffOf(origin.id),
      );
      destination = to;
    }
  }

  const acceptedAt = after(1, high ? 10 : 120);
  referral(
    "AcceptReferral",
    { acceptedBy: chief, expectedArrivalAt: iso(t + rng.int(30, 180) * MINUTE), occurredAt: acceptedAt },
    staffOf(destination),
  );

  const referralTo = destination;
  let receivedAt = destination;
  const transfers = riskGrade === "purple" || (high ? rng.chance(0.8) : rng.chance(0.35));
  if (transfers) {
    const required = requiredAmbulanceTypes(patientKind, riskGrade, reference);
    const veryCritical = riskGrade === "red" ? rng.chance(0.6) : riskGrade === "orange" && rng.chance(0.2);
    const escortRequired = veryCritical || riskGrade === "red";
    transfer(
      "RequestTransfer",
      {
        caseId: ids.caseId,
        referralId: ids.referralId,
        patientKind,
        patient,
        riskGrade,
        originInstitutionId: origin.id,
        destinationInstitutionId: destination,
        veryCritical,
        clinicalSummary: SUMMARIES[riskGrade],
        requestedBy: doctor,
        occurredAt: after(1, 10),
      },
      staffOf(origin.id),
    );
    if (rng.chance(0.03)) {
      transfer(
        "CancelTransfer",
        { cancelledBy: doctor, reason: "家属自行送院", occurredAt: after(2, 15) },
        staffOf(origin.id),
      );
    } else {
      // 000 §十二(三)(四)(六): a fitting unit; rarely none is free and the dispatcher overrides with a reason.
      const override = rng.chance(0.02);
      const fitting = required.flatMap((type) => region.ambulancesByType.get(type) ?? []);
      const others = [...region.ambulancesByType.entries()]
        .filter(([type]) => !required.includes(type))
        .flatMap(([, list]) => list);
      const ambulanceId = override && others.length > 0 ? rng.pick(others) : rng.pick(fitting);
      transfer(
        "DispatchUnit",
        {
          ambulanceId,
          dispatchedBy: clinicianName(rng, "调度员"),
          ...(override && others.length > 0 ? { overrideReason: "同类型车辆均在任务中，就近派车" } : {}),
          occurredAt: after(1, urgency === "emergency" ? 6 : 20),
        },
        region.dispatcher,
      );
      // The crew's entries; in a late sitting they are all entered after the arrival (补录).
      const crewSteps: { type: TransferCommand["type"]; data: Record<string, unknown>; sender: Sender }[] =
        [];
      const crew = (type: TransferCommand["type"], data: Record<string, unknown>, sender: Sender) =>
        crewSteps.push({ type, data: { ...data, occurredAt: iso(t) }, sender });
      if (rng.chance(0.9)) {
        after(8, 35);
        crew("RecordUnitArrivedAtOrigin", {}, region.dispatcher);
      }
      after(3, 15);
      crew(
        "RecordDeparture",
        {
          condition: { summary: SUMMARIES[riskGrade], vitalSigns: vitalSigns(rng, riskGrade) },
          escorts: escortRequired || rng.chance(0.5) ? [doctor, nurse] : [],
          clinicalRecordHandedOver: escortRequired || rng.chance(0.8),
        },
        staffOf(origin.id),
      );
      const cares = rng.int(0, 3);
      for (let i = 0; i < cares; i++) {
        after(3, 20);
        crew(
          "RecordEnRouteCare",
          {
            kind: rng.chance(0.5) ? "treatment" : "observation",
            description: rng.pick(["开放两路静脉通道，快速补液", "持续心电监护", "缩宫素静滴", "面罩吸氧"]),
            performedBy: nurse,
            ...(rng.chance(0.7) ? { vitalSigns: vitalSigns(rng, riskGrade) } : {}),
          },
          staffOf(origin.id),
        );
      }
      if (high && rng.chance(0.25)) {
        after(1, 10);
        // 000 §十二(七), R-TRF-6: an expert of the receiving centre guides the escort by video.
        crew(
          "RecordRemoteGuidance",
          {
            expert: clinicianName(rng, "教授"),
            channel: rng.chance(0.7) ? "video" : "phone",
            advice: "监测血压，维持静脉通路",
          },
          staffOf(destination),
        );
      }
      if (rng.chance(0.02)) {
        const others = capable(region, riskGrade, [origin.id, destination]);
        if (others.length > 0) {
          after(2, 10);
          const to = rng.pick(others).id;
          crew(
            "DivertTransfer",
            {
              toInstitutionId: to,
              reason: "途中病情变化，就近救治",
              divertedBy: clinicianName(rng, "调度员"),
            },
            region.dispatcher,
          );
          destination = to;
          receivedAt = to;
        }
      }
      after(10, 60);
      crew("RecordArrival", {}, staffOf(destination));
      const sitting = rng.chance(LATE_SITTING_SHARE) ? t + rng.int(35, 240) * MINUTE : undefined;
      const crewEnd = t;
      for (const s of crewSteps) {
        t = Date.parse(s.data.occurredAt as string);
        transfer(s.type, s.data, s.sender, sitting);
      }
      t = crewEnd;
      transfer(
        "CompleteHandover",
        {
          handedOverBy: doctor,
          receivedBy: clinicianName(rng, "护士长"),
          condition: { summary: "转运途中病情平稳，已交接", vitalSigns: vitalSigns(rng, riskGrade) },
          documents: ["转诊单", "病历摘要", ...(rng.chance(0.5) ? ["检验检查报告"] : [])],
          occurredAt: after(2, 15),
        },
        staffOf(destination),
      );
    }
  } else if (rng.chance(0.02)) {
    // She went elsewhere on her own: received there, off-protocol (001 (五)).
    const elsewhere = capable(region, riskGrade, [origin.id, destination]);
    if (elsewhere.length > 0) receivedAt = rng.pick(elsewhere).id;
  }
  if (!transfers) after(60, 600);
  referral(
    "RecordReception",
    {
      ...(receivedAt !== referralTo ? { institutionId: receivedAt } : {}),
      receivedBy: clinicianName(rng, "护士长"),
      handedOverBy: transfers ? doctor : "患者家属",
      occurredAt: after(0, 5),
    },
    staffOf(receivedAt),
  );
  referral(
    "CompleteReferral",
    {
      outcome: rng.weighted({ treated_and_discharged: 95, transferred_onward: 3, other: 1.9, died: 0.1 }),
      occurredAt: after(600, 7000),
    },
    staffOf(receivedAt),
  );
  return { caseId: ids.caseId, riskGrade, steps };
};
