import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { DEMO_PASSWORD, loadConfig, type RunningService, startService } from "@mtc/coordinator";

/** The real coordinator in-process: demo mode, a free loopback port, a temp data dir, silent logs. */
export const startBenchService = async (
  env: Record<string, string> = {},
  clock?: () => Date,
): Promise<{ service: RunningService; stop(): Promise<void> }> => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "mtc-bench-service-"));
  try {
    const service = await startService(
      loadConfig({
        MTC_MODE: "demo",
        HOST: "127.0.0.1",
        PORT: "0",
        DATA_DIR: dataDir,
        LOG_LEVEL: "silent",
        ...env,
      }),
      clock ? { clock } : {},
    );
    return {
      service,
      stop: async () => {
        try {
          await service.close();
        } finally {
          await rm(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
};

export const login = async (
  baseUrl: string,
  username: string,
): Promise<{ token: string; institutionId: string | undefined }> => {
  const response = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (response.status !== 200)
    throw new Error(`login ${username}: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { token: string; user: { institutionId?: string } };
  return { token: body.token, institutionId: body.user.institutionId };
};

let counter = 0;

/** A valid new-referral body (services/coordinator/test/journey.e2e.spec.ts): a new case each, occurredAt = now. */
export const referralBody = (fromInstitutionId: string | undefined) => ({
  patientKind: "maternal",
  patient: { name: "王秀兰", idCardNumber: "11010519491231002X", phone: "13812345678", age: 29 },
  gestationalWeeks: 34,
  riskGrade: "red",
  urgency: "emergency",
  reasons: ["产前出血", "前置胎盘"],
  clinicalSummary: "孕34周，阴道出血约400ml，血压90/60",
  fromInstitutionId,
  requestedBy: "李医生",
  occurredAt: new Date().toISOString(),
});

export const newIdempotencyKey = (): string => `bench-${process.pid}-${Date.now()}-${++counter}`;

/** POST with JSON; Node's fetch (undici) keeps the connection alive between calls. */
export const postJson = async (
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown }> => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
};
