import { randomUUID } from "node:crypto";
import type { EventMetadata, NewEvent } from "@mtc/eventstore";

/**
 * Realistic referral / transfer lifecycles (packages/domain/src/referral/events.ts, transfer/events.ts),
 * interleaved as a region's log would be: a pool of cases open at once, each advancing a command at a time.
 */

/** Deterministic PRNG (mulberry32) so that every run writes the same log. */
export const prng = (seed: number) => {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    chance: (p: number) => next() < p,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
};
type Rng = ReturnType<typeof prng>;

interface Command {
  streamId: string;
  caseId: string;
  actor: EventMetadata["actor"];
  events: { type: string; data: Record<string, unknown> }[];
}

const CLINICS = ["clinic_a", "clinic_b", "clinic_c", "clinic_d", "mch_1", "mch_2", "gen_1"];
const CENTRES = ["centre", "neo_centre", "mch_1", "gen_1"];
const RISK = ["green", "yellow", "orange", "red", "purple"] as const;
const URGENCY = ["emergency", "urgent", "routine"] as const;
const NAMES = ["王秀兰", "李娟", "张敏", "刘芳", "陈静", "杨丽", "赵霞", "黄燕"];
const patient = (rng: Rng) => ({
  name: rng.pick(NAMES),
  idCardNumber: "11010519491231002X",
  phone: "13812345678",
  age: rng.int(18, 45),
});
const vitals = (rng: Rng) => ({
  systolicBp: rng.int(85, 150),
  diastolicBp: rng.int(50, 95),
  heartRate: rng.int(70, 125),
  spo2: rng.int(92, 100),
  consciousness: "alert",
});
const condition = (rng: Rng) => ({
  summary: "神志清，面色苍白，阴道少量出血，宫缩规律",
  vitalSigns: vitals(rng),
});

const staff = (institutionId: string) => ({
  userId: `u_${institutionId}`,
  role: "hospital_staff",
  institutionId,
});
const DISPATCHER = { userId: "dispatcher", role: "dispatcher", institutionId: "disp" };

/** The commands of one case in causal order: a referral, often an emergency transfer, sometimes abandoned. */
export const caseCommands = (n: number, rng: Rng): Command[] => {
  const caseId = `CASE_${n}`;
  const referralId = `R${n}`;
  const transferId = `T${n}`;
  const rs = `referral-${referralId}`;
  const ts = `transfer-${transferId}`;
  const from = rng.pick(CLINICS);
  let to = rng.pick(CENTRES);
  const risk = rng.pick(RISK);
  const pt = patient(rng);
  const commands: Command[] = [];
  const ref = (actor: Command["actor"], ...events: Command["events"]) =>
    commands.push({ streamId: rs, caseId, actor, events });
  const trf = (actor: Command["actor"], ...events: Command["events"]) =>
    commands.push({ streamId: ts, caseId, actor, events });

  let t = 0;
  const at = (minutes: number) => {
    t += minutes;
    return t; // minutes after the case start, turned into an instant when written
  };
  const offProtocol = rng.chance(0.03);
  if (offProtocol) {
    ref(staff(to), {
      type: "OffProtocolArrivalRegistered",
      data: {
        referralId,
        caseId,
        patientKind: "maternal",
        patient: pt,
        gestationalWeeks: rng.int(28, 41),
        riskGrade: risk,
        institutionId: to,
        clinicalSummary: "未经转诊自行来院，阴道出血",
        receivedBy: "急诊护士",
        occurredAt: at(0),
      },
    });
  } else {
    ref(staff(from), {
      type: "ReferralRequested",
      data: {
        referralId,
        caseId,
        patientKind: "maternal",
        patient: pt,
        gestationalWeeks: rng.int(24, 41),
        riskGrade: risk,
        urgency: rng.pick(URGENCY),
        reasons: ["产前出血", "前置胎盘"],
        clinicalSummary: "孕34周，阴道出血约400ml，血压90/60",
        fromInstitutionId: from,
        toInstitutionId: to,
        destinationFromZone: rng.chance(0.7),
        requestedBy: "李医生",
        occurredAt: at(0),
      },
    });
    if (rng.chance(0.05)) {
      ref(staff(from), {
        type: "ReferralCancelled",
        data: { referralId, cancelledBy: "李医生", reason: "家属拒绝转诊", occurredAt: at(rng.int(2, 30)) },
      });
      return commands;
    }
    if (rng.chance(0.1)) {
      // Declined and redirected by one command (same commandId), as the service does.
      const next = rng.pick(CENTRES.filter((c) => c !== to));
      const when = at(rng.int(2, 15));
      ref(
        staff(to),
        {
          type: "ReferralDeclined",
          data: {
            referralId,
            institutionId: to,
            declinedBy: "值班主任",
            reason: "床位已满",
            occurredAt: when,
          },
        },
        {
          type: "ReferralRedirected",
          data: {
            referralId,
            fromInstitutionId: to,
            toInstitutionId: next,
            reason: "片区内另一救治中心有床",
            redirectedBy: "值班主任",
            occurredAt: when,
          },
        },
      );
      to = next;
    }
    if (rng.chance(0.03)) {
      ref(staff(from), {
        type: "ReferralEscalated",
        data: { referralId, escalatedBy: "李医生", difficulty: "无床位，请卫健委协调", occurredAt: at(20) },
      });
    }
    ref(staff(to), {
      type: "ReferralAccepted",
      data: { referralId, institutionId: to, acceptedBy: "张主任", occurredAt: at(rng.int(1, 10)) },
    });
  }

  if (!offProtocol && rng.chance(0.6)) {
    trf(staff(from), {
      type: "TransferRequested",
      data: {
        transferId,
        caseId,
        referralId,
        patientKind: "maternal",
        patient: pt,
        riskGrade: risk,
        originInstitutionId: from,
        destinationInstitutionId: to,
        requiredAmbulanceType: [risk === "purple" ? "infectious_disease" : "monitored"],
        escortRequired: risk === "red",
        clinicalSummary: "活动性出血，需监护型救护车",
        requestedBy: "李医生",
        occurredAt: at(rng.int(1, 5)),
      },
    });
    if (rng.chance(0.03)) {
      trf(DISPATCHER, {
        type: "TransferCancelled",
        data: { transferId, cancelledBy: "调度员赵", reason: "家属自行送院", occurredAt: at(5) },
      });
    } else {
      trf(DISPATCHER, {
        type: "UnitDispatched",
        data: {
          transferId,
          ambulanceId: `amb_${rng.int(1, 30)}`,
          ambulanceType: risk === "purple" ? "infectious_disease" : "monitored",
          dispatchedBy: "调度员赵",
          occurredAt: at(rng.int(1, 8)),
        },
      });
      trf(DISPATCHER, { type: "UnitArrivedAtOrigin", data: { transferId, occurredAt: at(rng.int(8, 25)) } });
      trf(staff(from), {
        type: "TransferDeparted",
        data: {
          transferId,
          condition: condition(rng),
          escorts: ["李医生", "陈护士"],
          clinicalRecordHandedOver: true,
          occurredAt: at(rng.int(3, 12)),
        },
      });
      const cares = rng.int(1, 3);
      for (let i = 0; i < cares; i++) {
        trf(staff(from), {
          type: "EnRouteCareRecorded",
          data: {
            transferId,
            kind: rng.chance(0.5) ? "treatment" : "observation",
            description: "开放两路静脉通道，快速补液",
            performedBy: "陈护士",
            vitalSigns: vitals(rng),
            occurredAt: at(rng.int(3, 15)),
          },
        });
      }
      if (rng.chance(0.2)) {
        trf(staff(to), {
          type: "RemoteGuidanceGiven",
          data: {
            transferId,
            expert: "王教授",
            channel: "video",
            advice: "缩宫素静滴，监测血压",
            occurredAt: at(3),
          },
        });
      }
      if (rng.chance(0.03)) {
        const next = rng.pick(CENTRES.filter((c) => c !== to));
        trf(DISPATCHER, {
          type: "TransferDiverted",
          data: {
            transferId,
            fromInstitutionId: to,
            toInstitutionId: next,
            reason: "途中病情变化，就近救治",
            divertedBy: "调度员赵",
            occurredAt: at(4),
          },
        });
        to = next;
      }
      trf(staff(to), {
        type: "TransferArrived",
        data: { transferId, institutionId: to, occurredAt: at(20) },
      });
      trf(staff(to), {
        type: "HandoverCompleted",
        data: {
          transferId,
          handedOverBy: "陈护士",
          receivedBy: "产科刘护士",
          condition: condition(rng),
          documents: ["转诊单", "病历摘要"],
          occurredAt: at(rng.int(2, 10)),
        },
      });
    }
  }
  ref(staff(to), {
    type: "PatientReceived",
    data: {
      referralId,
      institutionId: to,
      receivedBy: "产科刘护士",
      handedOverBy: "陈护士",
      offProtocol,
      occurredAt: at(1),
    },
  });
  ref(staff(to), {
    type: "ReferralCompleted",
    data: { referralId, outcome: "treated_and_discharged", occurredAt: at(rng.int(600, 5000)) },
  });
  return commands;
};

export interface PlannedAppend {
  streamId: string;
  events: NewEvent[];
  expectedRevision: number | "no_stream";
}

/**
 * Yields appends until `total` events: `concurrentCases` cases open at once, each append two to eight
 * consecutive commands of one stream; `abandonRate` of the cases stop midway and stay open on the board.
 */
export function* plannedAppends(
  total: number,
  { concurrentCases = 200, abandonRate = 0.005, seed = 42 } = {},
): Generator<PlannedAppend> {
  const rng = prng(seed);
  const epoch = Date.parse("2024-01-01T00:00:00.000Z");
  interface Open {
    n: number;
    commands: Command[];
    next: number;
    startMinute: number;
  }
  const revisions = new Map<string, number>();
  let caseNo = 0;
  let clockMinute = 0;
  const open = (): Open => {
    const n = ++caseNo;
    clockMinute += 0.5;
    const commands = caseCommands(n, rng);
    if (rng.chance(abandonRate)) commands.length = rng.int(1, commands.length - 1 || 1);
    return { n, commands, next: 0, startMinute: clockMinute };
  };
  const pool: Open[] = Array.from({ length: concurrentCases }, open);
  let written = 0;
  let commandNo = 0;
  while (written < total) {
    const slot = rng.int(0, pool.length - 1);
    const c = pool[slot] as Open;
    const first = c.commands[c.next] as Command;
    const take = rng.int(2, 8);
    const events: NewEvent[] = [];
    const expected: number | "no_stream" = revisions.get(first.streamId) ?? "no_stream";
    let revision = typeof expected === "number" ? expected : -1;
    for (let taken = 0; taken < take && c.next < c.commands.length; taken++) {
      const cmd = c.commands[c.next] as Command;
      if (cmd.streamId !== first.streamId) break;
      const commandId = `cmd_${++commandNo}`;
      for (const e of cmd.events) {
        const minute = (e.data.occurredAt as number) + c.startMinute;
        const occurredAt = new Date(epoch + minute * 60_000).toISOString();
        revision++;
        events.push({
          id: randomUUID(),
          type: e.type,
          data: { ...e.data, occurredAt },
          metadata: {
            actor: cmd.actor,
            caseId: cmd.caseId,
            causationId: commandId,
            commandId,
            occurredAt,
            schemaVersion: 1,
          },
        });
      }
      c.next++;
    }
    revisions.set(first.streamId, revision);
    written += events.length;
    yield { streamId: first.streamId, events, expectedRevision: expected };
    if (c.next >= c.commands.length) {
      revisions.delete(`referral-R${c.n}`);
      revisions.delete(`transfer-T${c.n}`);
      pool[slot] = open();
    }
  }
}
