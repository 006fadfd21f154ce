import path from "node:path";
import type { MdtTargets } from "@mtc/projections";
import { z } from "zod";

/**
 * The one configuration loader: environment variables, validated at start-up. `demo` mode (README command one)
 * generates demo accounts and a signing secret; `production` refuses to start without configured ones.
 */
const minutes = (fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 60)
    .default(fallback);

const targetMinutes = z
  .number()
  .int()
  .min(1)
  .max(24 * 60);
/** Per-institution MDT targets: `{"<institutionId>": {"activationToArrivalMinutes": 20}}`, keys as in MdtTargets. */
const MdtOverrides = z.record(
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/),
  z.strictObject({
    requestToActivationMinutes: targetMinutes.optional(),
    activationToArrivalMinutes: targetMinutes.optional(),
    activationToStandbyAckMinutes: targetMinutes.optional(),
  }),
);
type MdtOverrides = z.infer<typeof MdtOverrides>;

/** The overrides, or what is wrong with them in words. */
const parseMdtOverrides = (text: string): MdtOverrides | string => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return "is not JSON: give an object of institution id → targets in minutes";
  }
  const parsed = MdtOverrides.safeParse(json);
  return parsed.success
    ? parsed.data
    : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
};

const Env = z
  .object({
    MTC_MODE: z.enum(["demo", "production"]).default("production"),
    HOST: z.string().default("127.0.0.1"),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    DATA_DIR: z.string().default(".data"),
    /** EventStoreDB connection string; when set, the service uses EventStoreDB and never the embedded store. */
    EVENTSTORE_URL: z.string().startsWith("esdb").optional(),
    MTC_TOKEN_SECRET: z.string().min(32, "MTC_TOKEN_SECRET must be at least 32 characters").optional(),
    MTC_USERS_FILE: z.string().optional(),
    MTC_REGION_FILE: z.string().optional(),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ALARM_EMERGENCY_REFERRAL_UNANSWERED_MIN: minutes(10),
    ALARM_NO_UNIT_DISPATCHED_MIN: minutes(10),
    ALARM_DEPARTURE_OVERDUE_MIN: minutes(30),
    ALARM_HANDOVER_MISSING_MIN: minutes(15),
    ALARM_PRE_ARRIVAL_UNACKNOWLEDGED_MIN: minutes(5),
    LATE_ENTRY_MIN: minutes(30),
    // Blood (000 §二十二(七): 第一时间出库装箱, 送达急救现场): minutes from the request, per urgency.
    BLOOD_ACKNOWLEDGED_MIN_EMERGENCY: minutes(5),
    BLOOD_ISSUED_MIN_EMERGENCY: minutes(30),
    BLOOD_DELIVERED_MIN_EMERGENCY: minutes(60),
    BLOOD_ACKNOWLEDGED_MIN_URGENT: minutes(10),
    BLOOD_ISSUED_MIN_URGENT: minutes(60),
    BLOOD_DELIVERED_MIN_URGENT: minutes(120),
    BLOOD_ACKNOWLEDGED_MIN_ROUTINE: minutes(30),
    BLOOD_ISSUED_MIN_ROUTINE: minutes(240),
    BLOOD_DELIVERED_MIN_ROUTINE: minutes(480),
    ACCESS_RECORD_REPEAT_MINUTES: minutes(15),
    ACCESS_INDEX_DELAY_MS: z.coerce.number().int().min(0).max(10_000).default(500),
    WS_MAX_BUFFERED_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(4 * 1024 * 1024),
    WS_MAX_CONNECTIONS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(5),
    WS_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(2_000),
    WS_STALL_SECONDS: z.coerce.number().int().min(1).max(3_600).default(30),
    ALARM_TICK_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
    STORE_PROBE_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
    STORE_PROBE_DEGRADED_SECONDS: z.coerce.number().int().min(1).max(300).default(3),
    /** Ed25519 private key (PKCS#8 PEM) that signs the log's heads and case exports (ADR 0006). */
    MTC_SIGNING_KEY_FILE: z.string().min(1).optional(),
    INTEGRITY_SIGN_EVERY_EVENTS: z.coerce.number().int().min(1).default(1_000),
    INTEGRITY_SIGN_EVERY_MINUTES: minutes(60),
    INTEGRITY_TAIL_EVENTS: z.coerce.number().int().min(0).default(1_000),
    INTEGRITY_CHECK_SECONDS: z.coerce.number().int().min(1).max(300).default(5),
    INTEGRITY_WALK_SHARE: z.coerce.number().gt(0).max(1).default(0.5),
    INTEGRITY_FULL_VERIFY_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .default(6 * 60 * 60),
    /** Names this process's read-model file, `<DATA_DIR>/readmodels-<id>.db`: two processes need two ids. */
    MTC_INSTANCE_ID: z
      .string()
      .regex(/^[a-z0-9_]{1,32}$/, "1 to 32 of a-z, 0-9 and _")
      .default("main"),
    // An as-of read replays at most one interval; each checkpoint holds the whole open board. A busy region
    // (2 million events a year ≈ 5,500 a day) is bounded by the count, a quiet one by the day.
    BOARD_CHECKPOINT_EVERY_EVENTS: z.coerce.number().int().min(100).max(10_000_000).default(1_000),
    MDT_TARGET_REQUEST_TO_ACTIVATION_MIN: minutes(10),
    MDT_TARGET_ACTIVATION_TO_ARRIVAL_MIN: minutes(30),
    MDT_TARGET_ACTIVATION_TO_STANDBY_ACK_MIN: minutes(10),
    MDT_TARGETS_BY_INSTITUTION: z.string().default("{}"),
    BOARD_CHECKPOINT_EVERY_MINUTES: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60)
      .default(24 * 60),
  })
  .superRefine((env, ctx) => {
    const overrides = parseMdtOverrides(env.MDT_TARGETS_BY_INSTITUTION);
    if (typeof overrides === "string")
      ctx.addIssue({ code: "custom", path: ["MDT_TARGETS_BY_INSTITUTION"], message: overrides });
    if (env.MTC_MODE !== "production") return;
    if (!env.MTC_TOKEN_SECRET)
      ctx.addIssue({
        code: "custom",
        path: ["MTC_TOKEN_SECRET"],
        message: "required in production: a random string of 32+ characters",
      });
    if (!env.MTC_USERS_FILE)
      ctx.addIssue({
        code: "custom",
        path: ["MTC_USERS_FILE"],
        message: "required in production: a JSON file of users (see docs/configuration.md)",
      });
    if (!env.MTC_SIGNING_KEY_FILE)
      ctx.addIssue({
        code: "custom",
        path: ["MTC_SIGNING_KEY_FILE"],
        message: "required in production: an Ed25519 private key, PEM (see docs/configuration.md)",
      });
  });

export interface Config {
  mode: "demo" | "production";
  host: string;
  port: number;
  dataDir: string;
  store: { kind: "embedded"; path: string } | { kind: "eventstoredb"; connectionString: string };
  tokenSecret?: string | undefined;
  usersFile?: string | undefined;
  regionFile: string;
  logLevel: string;
  alarms: {
    emergencyReferralUnansweredMinutes: number;
    noUnitDispatchedMinutes: number;
    departureOverdueMinutes: number;
    handoverMissingAfterArrivalMinutes: number;
    preArrivalUnacknowledgedMinutes: number;
  };
  lateEntryMinutes: number;
  /** Blood request targets per urgency: minutes from the request to acknowledged, fully issued, delivered. */
  bloodTargets: Record<
    "emergency" | "urgent" | "routine",
    { acknowledgedMinutes: number; issuedMinutes: number; deliveredMinutes: number }
  >;
  /** A view re-read with the same cases is recorded in the access log again only after this long. */
  accessRecordRepeatMinutes: number;
  /** How long access records alone may wait to be indexed together ("who read case X" waits for none). */
  accessIndexDelayMs: number;
  /** The board feed's limits: unsent bytes per client, connections per user and in total, stall before close. */
  wsMaxBufferedBytes: number;
  wsMaxConnectionsPerUser: number;
  wsMaxConnections: number;
  wsStallSeconds: number;
  /** How often the board re-evaluates alarms that time alone raises. */
  alarmTickSeconds: number;
  /** How often the store is probed while healthy, and while degraded (to notice recovery). */
  storeProbe: { okProbeMs: number; degradedProbeMs: number };
  integrity: {
    /** Unset in demo mode: a key is generated once into the data directory. */
    signingKeyFile?: string | undefined;
    signEveryEvents: number;
    signEveryMinutes: number;
    /** Verified first at start, before the whole log. */
    tailEvents: number;
    /** How often new events are verified and a head signed when due. */
    checkSeconds: number;
    /** How often the whole log is walked again: an edit to an old row is found within this time. */
    fullVerifySeconds: number;
    /** The share of one core the embedded log's walk may take. */
    walkShare: number;
  };
  instanceId: string;
  /** Board checkpoints for as-of: after this many log positions or minutes of recordedAt. */
  boardCheckpoints: { everyEvents: number; everyMinutes: number };
  /** MDT targets: the defaults, and per institution (a Map: ids are user-configured keys). */
  mdtTargets: { defaults: MdtTargets; byInstitution: ReadonlyMap<string, MdtOverrides[string]> };
}

/** The MDT targets of one hospital: its overrides over the defaults. */
export const mdtTargetsFor = (config: Pick<Config, "mdtTargets">, institutionId: string): MdtTargets => {
  const { defaults, byInstitution } = config.mdtTargets;
  const own = byInstitution.get(institutionId);
  return {
    requestToActivationMinutes: own?.requestToActivationMinutes ?? defaults.requestToActivationMinutes,
    activationToArrivalMinutes: own?.activationToArrivalMinutes ?? defaults.activationToArrivalMinutes,
    activationToStandbyAckMinutes:
      own?.activationToStandbyAckMinutes ?? defaults.activationToStandbyAckMinutes,
  };
};

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Where the data lives. A relative DATA_DIR means the directory the user started from: `pnpm --filter` runs the
 * service inside `services/coordinator/`, but npm and pnpm keep the starting directory in INIT_CWD.
 */
export const resolveDataDir = (dataDir: string, env: NodeJS.ProcessEnv = process.env): string =>
  path.resolve(env.INIT_CWD || process.cwd(), dataDir);

export const DEMO_REGION_FILE = path.resolve(import.meta.dirname, "../demo/region.json");

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): Config => {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  const dataDir = resolveDataDir(e.DATA_DIR, env);
  return {
    mode: e.MTC_MODE,
    host: e.HOST,
    port: e.PORT,
    dataDir,
    store: e.EVENTSTORE_URL
      ? { kind: "eventstoredb", connectionString: e.EVENTSTORE_URL }
      : { kind: "embedded", path: path.join(dataDir, "events.db") },
    tokenSecret: e.MTC_TOKEN_SECRET,
    usersFile: e.MTC_USERS_FILE,
    regionFile: e.MTC_REGION_FILE ?? DEMO_REGION_FILE,
    logLevel: e.LOG_LEVEL,
    alarms: {
      emergencyReferralUnansweredMinutes: e.ALARM_EMERGENCY_REFERRAL_UNANSWERED_MIN,
      noUnitDispatchedMinutes: e.ALARM_NO_UNIT_DISPATCHED_MIN,
      departureOverdueMinutes: e.ALARM_DEPARTURE_OVERDUE_MIN,
      handoverMissingAfterArrivalMinutes: e.ALARM_HANDOVER_MISSING_MIN,
      preArrivalUnacknowledgedMinutes: e.ALARM_PRE_ARRIVAL_UNACKNOWLEDGED_MIN,
    },
    lateEntryMinutes: e.LATE_ENTRY_MIN,
    bloodTargets: {
      emergency: {
        acknowledgedMinutes: e.BLOOD_ACKNOWLEDGED_MIN_EMERGENCY,
        issuedMinutes: e.BLOOD_ISSUED_MIN_EMERGENCY,
        deliveredMinutes: e.BLOOD_DELIVERED_MIN_EMERGENCY,
      },
      urgent: {
        acknowledgedMinutes: e.BLOOD_ACKNOWLEDGED_MIN_URGENT,
        issuedMinutes: e.BLOOD_ISSUED_MIN_URGENT,
        deliveredMinutes: e.BLOOD_DELIVERED_MIN_URGENT,
      },
      routine: {
        acknowledgedMinutes: e.BLOOD_ACKNOWLEDGED_MIN_ROUTINE,
        issuedMinutes: e.BLOOD_ISSUED_MIN_ROUTINE,
        deliveredMinutes: e.BLOOD_DELIVERED_MIN_ROUTINE,
      },
    },
    accessRecordRepeatMinutes: e.ACCESS_RECORD_REPEAT_MINUTES,
    accessIndexDelayMs: e.ACCESS_INDEX_DELAY_MS,
    wsMaxBufferedBytes: e.WS_MAX_BUFFERED_BYTES,
    wsMaxConnectionsPerUser: e.WS_MAX_CONNECTIONS_PER_USER,
    wsMaxConnections: e.WS_MAX_CONNECTIONS,
    wsStallSeconds: e.WS_STALL_SECONDS,
    alarmTickSeconds: e.ALARM_TICK_SECONDS,
    storeProbe: {
      okProbeMs: e.STORE_PROBE_SECONDS * 1000,
      degradedProbeMs: e.STORE_PROBE_DEGRADED_SECONDS * 1000,
    },
    integrity: {
      signingKeyFile: e.MTC_SIGNING_KEY_FILE && path.resolve(e.MTC_SIGNING_KEY_FILE),
      signEveryEvents: e.INTEGRITY_SIGN_EVERY_EVENTS,
      signEveryMinutes: e.INTEGRITY_SIGN_EVERY_MINUTES,
      tailEvents: e.INTEGRITY_TAIL_EVENTS,
      checkSeconds: e.INTEGRITY_CHECK_SECONDS,
      fullVerifySeconds: e.INTEGRITY_FULL_VERIFY_SECONDS,
      walkShare: e.INTEGRITY_WALK_SHARE,
    },
    instanceId: e.MTC_INSTANCE_ID,
    boardCheckpoints: {
      everyEvents: e.BOARD_CHECKPOINT_EVERY_EVENTS,
      everyMinutes: e.BOARD_CHECKPOINT_EVERY_MINUTES,
    },
    mdtTargets: {
      defaults: {
        requestToActivationMinutes: e.MDT_TARGET_REQUEST_TO_ACTIVATION_MIN,
        activationToArrivalMinutes: e.MDT_TARGET_ACTIVATION_TO_ARRIVAL_MIN,
        activationToStandbyAckMinutes: e.MDT_TARGET_ACTIVATION_TO_STANDBY_ACK_MIN,
      },
      // Validated by the schema above, so a string here cannot happen.
      byInstitution: new Map(Object.entries(parseMdtOverrides(e.MDT_TARGETS_BY_INSTITUTION) as MdtOverrides)),
    },
  };
};
