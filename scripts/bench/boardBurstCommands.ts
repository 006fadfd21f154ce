import { newIdempotencyKey, postJson, referralBody } from "./service.js";

/**
 * Child process of boardBurst.ts: sends the burst of commands from its own event loop, as the clinics' own
 * machines would, so that making the requests does not take the event loop of the service being measured.
 */
export interface CommandBurst {
  url: string;
  token: string;
  institutionId: string | undefined;
  count: number;
  concurrency: number;
  /** Cancel each referral right after it was made (a warm-up that leaves the board as it was). */
  cancel?: boolean;
}

process.once("message", (burst: CommandBurst) => {
  const t0 = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < burst.count) {
      next++;
      const answer = await postJson(`${burst.url}/api/referrals`, referralBody(burst.institutionId), {
        authorization: `Bearer ${burst.token}`,
        "idempotency-key": newIdempotencyKey(),
      });
      if (answer.status !== 201)
        throw new Error(`POST /api/referrals: ${answer.status} ${JSON.stringify(answer.body)}`);
      if (!burst.cancel) continue;
      const { id } = answer.body as { id: string };
      const cancelled = await postJson(
        `${burst.url}/api/referrals/${id}/cancel`,
        { cancelledBy: "李医生", reason: "基准预热", occurredAt: new Date().toISOString() },
        { authorization: `Bearer ${burst.token}`, "idempotency-key": newIdempotencyKey() },
      );
      if (cancelled.status !== 200)
        throw new Error(
          `POST /api/referrals/${id}/cancel: ${cancelled.status} ${JSON.stringify(cancelled.body)}`,
        );
    }
  };
  Promise.all(Array.from({ length: burst.concurrency }, worker)).then(
    () => process.send?.({ ms: performance.now() - t0 }, () => process.exit(0)),
    (error: unknown) =>
      process.send?.({ error: error instanceof Error ? error.message : String(error) }, () =>
        process.exit(1),
      ),
  );
});
