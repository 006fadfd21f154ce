import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, mdtTargetsFor } from "./config.js";

describe("configuration", () => {
  it("a production start without users and signing secret refuses, saying what to set", () => {
    expect(() => loadConfig({})).toThrow(ConfigError);
    try {
      loadConfig({ MTC_MODE: "production" });
    } catch (error) {
      expect(String(error)).toContain("MTC_TOKEN_SECRET");
      expect(String(error)).toContain("MTC_USERS_FILE");
      expect(String(error)).toContain("MTC_SIGNING_KEY_FILE");
    }
  });

  it("demo mode needs nothing and uses the embedded store in DATA_DIR", () => {
    const config = loadConfig({ MTC_MODE: "demo", DATA_DIR: "/tmp/mtc-demo" });
    expect(config.store).toEqual({ kind: "embedded", path: "/tmp/mtc-demo/events.db" });
    expect(config.port).toBe(3000);
    expect(config.alarmTickSeconds).toBe(15);
  });

  it("R-BLD-2 blood targets per urgency come from configuration, with defaults, and refuse nonsense", () => {
    const config = loadConfig({ MTC_MODE: "demo", BLOOD_ACKNOWLEDGED_MIN_EMERGENCY: "3" });
    expect(config.bloodTargets.emergency).toEqual({
      acknowledgedMinutes: 3,
      issuedMinutes: 30,
      deliveredMinutes: 60,
    });
    expect(config.bloodTargets.routine.deliveredMinutes).toBe(480);
    expect(() => loadConfig({ MTC_MODE: "demo", BLOOD_DELIVERED_MIN_URGENT: "0" })).toThrow(
      /BLOOD_DELIVERED_MIN_URGENT/,
    );
  });

  it("a relative DATA_DIR resolves against the directory the user started from (INIT_CWD), not the package's", () => {
    const config = loadConfig({ MTC_MODE: "demo", DATA_DIR: "region-a", INIT_CWD: "/home/operator/mtc" });
    expect(config.dataDir).toBe("/home/operator/mtc/region-a");
    expect(config.store).toEqual({ kind: "embedded", path: "/home/operator/mtc/region-a/events.db" });
    expect(loadConfig({ MTC_MODE: "demo", DATA_DIR: "/srv/mtc", INIT_CWD: "/elsewhere" }).dataDir).toBe(
      "/srv/mtc",
    );
    expect(loadConfig({ MTC_MODE: "demo", DATA_DIR: "d", INIT_CWD: "" }).dataDir).toBe(`${process.cwd()}/d`);
  });

  it("EVENTSTORE_URL selects EventStoreDB, with no fallback to the embedded store", () => {
    const config = loadConfig({ MTC_MODE: "demo", EVENTSTORE_URL: "esdb://localhost:2113?tls=false" });
    expect(config.store).toEqual({
      kind: "eventstoredb",
      connectionString: "esdb://localhost:2113?tls=false",
    });
  });

  it("bad values are named", () => {
    expect(() => loadConfig({ MTC_MODE: "demo", PORT: "seventy" })).toThrow(/PORT/);
    expect(() => loadConfig({ MTC_MODE: "demo", EVENTSTORE_URL: "http://x" })).toThrow(/EVENTSTORE_URL/);
    expect(() =>
      loadConfig({ MTC_MODE: "production", MTC_TOKEN_SECRET: "short", MTC_USERS_FILE: "u.json" }),
    ).toThrow(/32 characters/);
  });

  it("each instance names its own read-model file; board checkpoints default to 1,000 events or a day", () => {
    const config = loadConfig({ MTC_MODE: "demo" });
    expect(config.instanceId).toBe("main");
    expect(config.boardCheckpoints).toEqual({ everyEvents: 1_000, everyMinutes: 24 * 60 });
    expect(loadConfig({ MTC_MODE: "demo", MTC_INSTANCE_ID: "node_2" }).instanceId).toBe("node_2");
    expect(() => loadConfig({ MTC_MODE: "demo", MTC_INSTANCE_ID: "../etc" })).toThrow(/MTC_INSTANCE_ID/);
    expect(() => loadConfig({ MTC_MODE: "demo", MTC_INSTANCE_ID: "A" })).toThrow(/MTC_INSTANCE_ID/);
    expect(() => loadConfig({ MTC_MODE: "demo", BOARD_CHECKPOINT_EVERY_EVENTS: "0" })).toThrow(
      /BOARD_CHECKPOINT_EVERY_EVENTS/,
    );
  });

  it("MDT targets: defaults, per-institution overrides, and a bad override named (000 §十六)", () => {
    const config = loadConfig({
      MTC_MODE: "demo",
      MDT_TARGET_ACTIVATION_TO_ARRIVAL_MIN: "25",
      MDT_TARGETS_BY_INSTITUTION: JSON.stringify({ centre: { requestToActivationMinutes: 5 } }),
    });
    expect(mdtTargetsFor(config, "centre")).toEqual({
      requestToActivationMinutes: 5,
      activationToArrivalMinutes: 25,
      activationToStandbyAckMinutes: 10,
    });
    expect(mdtTargetsFor(config, "constructor").requestToActivationMinutes).toBe(10);
    expect(() => loadConfig({ MTC_MODE: "demo", MDT_TARGETS_BY_INSTITUTION: "{" })).toThrow(
      /MDT_TARGETS_BY_INSTITUTION/,
    );
    expect(() =>
      loadConfig({ MTC_MODE: "demo", MDT_TARGETS_BY_INSTITUTION: '{"c":{"arrivalMinutes":5}}' }),
    ).toThrow(/MDT_TARGETS_BY_INSTITUTION/);
  });
});
