import { rawBroadcast, startClients } from "./boardFeed.js";
import { header, log, printResult, type Result, scaled, stats, statsLine } from "./common.js";
import { login, newIdempotencyKey, postJson, startBenchService } from "./service.js";

const RECEIVING = "jc_mch_rescue_centre";
const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * Issue 9 §1: a departure raises the pre-arrival alert; how long until the receiving hospital's screens
 * (`centre` clients of the hospital-scoped feed `/ws/arrivals`) have it, against a raw `ws` broadcast of a
 * message of the same size to the same number of clients in the same run.
 */
export const runPreArrival = async (): Promise<Result[]> => {
  header(
    "7. pre-arrival alert — departure ack → receipt on the receiving hospital's feed vs a raw ws broadcast",
  );
  const clients = scaled(100, 10);
  const departures = scaled(30, 5);
  log(
    `  sizes: ${clients} receiving-hospital clients (in a child process), ${departures} sequential departures`,
  );

  const fromAck: number[] = [];
  const fromSend: number[] = [];
  let messageBytes = 0;
  const { service, stop } = await startBenchService({
    WS_MAX_CONNECTIONS_PER_USER: String(clients),
    WS_MAX_CONNECTIONS: String(2 * clients),
  });
  try {
    const county = await login(service.url, "county");
    const dispatcher = await login(service.url, "dispatcher");
    const centre = await login(service.url, "centre");
    const as = (token: string) => ({
      authorization: `Bearer ${token}`,
      "idempotency-key": newIdempotencyKey(),
    });
    const post = async (token: string, path: string, body: unknown, expected: number) => {
      const answer = await postJson(`${service.url}${path}`, body, as(token));
      if (answer.status !== expected)
        throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body as { id: string };
    };
    const screens = startClients();
    try {
      const wsUrl = `${service.url.replace(/^http/, "ws")}/ws/arrivals`;
      const connected = await screens.connect(wsUrl, ["mtc.board.v2", `bearer.${centre.token}`], clients);
      log(`  ${connected.count} clients connected and got their snapshot in ${connected.ms.toFixed(0)} ms`);
      for (let i = 0; i < departures + 1; i++) {
        const now = () => new Date().toISOString();
        const { id } = await post(
          county.token,
          "/api/transfers",
          {
            patientKind: "maternal",
            patient: { name: "刘芳", idCardNumber: "11010519491231002X" },
            riskGrade: "red",
            originInstitutionId: county.institutionId,
            destinationInstitutionId: RECEIVING,
            veryCritical: true,
            clinicalSummary: "产后出血约1200ml",
            requestedBy: "周医生",
            occurredAt: now(),
          },
          201,
        );
        await post(
          dispatcher.token,
          `/api/transfers/${id}/dispatch`,
          // One unit for every timed departure: the fleet rule is overridden with a reason (R-TRF-9).
          {
            ambulanceId: "amb_m01",
            overrideReason: "压测：同一车辆连续派出",
            dispatchedBy: "调度员赵",
            occurredAt: now(),
          },
          200,
        );
        const sentAt = epochNow();
        await post(
          dispatcher.token,
          `/api/transfers/${id}/departure`,
          {
            condition: { summary: "面色苍白，持续出血", vitalSigns: { systolicBp: 86, heartRate: 124 } },
            escorts: ["护士钱"],
            clinicalRecordHandedOver: true,
            expectedArrivalAt: new Date(Date.now() + 40 * 60_000).toISOString(),
            readiness: { asks: ["theatre", "blood"], note: "备O型RhD阳性红细胞4U" },
            occurredAt: now(),
          },
          200,
        );
        const ackAt = epochNow();
        const { arrivals, messageBytes: bytes } = await screens.arrivals(`transfer-${id}`);
        messageBytes = bytes;
        if (i === 0) continue; // warm-up
        for (const t of arrivals) {
          fromAck.push(Math.max(0, t - ackAt));
          fromSend.push(t - sentAt);
        }
      }
    } finally {
      await screens.close();
    }
  } finally {
    await stop();
  }

  // --- baseline: a raw ws server broadcasting a same-size message to the same number of clients ---
  const fromBroadcast = await rawBroadcast({
    clients,
    rounds: departures,
    messageBytes,
    itemIdOf: (i) => `transfer-T${i}`,
  });

  const ack = stats(fromAck);
  const send = stats(fromSend);
  const b = stats(fromBroadcast);
  log(`  alert message ≈ ${messageBytes} bytes`);
  log(`  service, departure ack → receipt (≥ 0): ${statsLine(ack)}`);
  log(`  service, departure sent → receipt:      ${statsLine(send)}`);
  log(`  baseline, send() → receipt:             ${statsLine(b)}`);
  const results: Result[] = [
    {
      section: "preArrival",
      metric: `alert receipt p50 (${clients} clients)`,
      unit: "ms",
      value: ack.p50,
      baseline: b.p50,
    },
    {
      section: "preArrival",
      metric: `alert receipt p99 (${clients} clients)`,
      unit: "ms",
      value: ack.p99,
      baseline: b.p99,
      target: { kind: "max", threshold: 100 },
    },
    {
      section: "preArrival",
      metric: `departure sent → alert receipt p99 (${clients})`,
      unit: "ms",
      value: send.p99,
      baseline: b.p99,
      target: { kind: "max", threshold: 100 },
    },
  ];
  for (const r of results) printResult(r);
  return results;
};
