import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { apiClient, boardClient, type Harness, startHarness, testClock } from "./harness.js";

/** The WebSocket board feed against the real service: snapshot, live changes, exact replay on reconnect. */
describe("board feed", () => {
  const clock = testClock("2026-11-24T10:00:00.000Z");
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness(clock);
  });
  afterAll(async () => harness?.stop());

  const raiseReferral = async (from = "clinic") => {
    const clinic = await apiClient(harness.service.url, from);
    const answer = await clinic.command("/api/referrals", {
      patientKind: "maternal",
      patient: { name: "赵敏" },
      riskGrade: "orange",
      urgency: "emergency",
      reasons: ["子痫前期"],
      clinicalSummary: "血压170/115",
      fromInstitutionId: clinic.institutionId,
      requestedBy: "孙医生",
      occurredAt: clock.iso(),
    });
    expect(answer.status).toBe(201);
    return answer.body as { id: string; position: number };
  };

  it("refuses an upgrade without a valid token (401)", async () => {
    const url = `${harness.service.url.replace("http", "ws")}/ws/board`;
    for (const protocols of [["mtc.board.v1"], ["mtc.board.v1", "bearer.not-a-token"]]) {
      const socket = new WebSocket(url, protocols);
      const status = await new Promise<number>((resolve) => {
        socket.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        socket.on("open", () => resolve(101));
        socket.on("error", () => {});
      });
      expect(status).toBe(401);
    }
  });

  it("a client that reconnects with its last position receives exactly what it missed", async () => {
    const dispatcher = await apiClient(harness.service.url, "dispatcher");
    const first = await boardClient(harness.service.url, dispatcher.token);
    const seen = await raiseReferral();
    const live = await first.next((m) => m.type === "change" && m.itemId === `referral-${seen.id}`);
    expect(live.position).toBe(seen.position);
    first.close();

    const missedA = await raiseReferral();
    const missedB = await raiseReferral();
    const again = await boardClient(harness.service.url, dispatcher.token, live.position);
    const caughtUp = await again.next((m) => m.type === "caught_up");
    const changes = again.messages.filter((m) => m.type === "change");
    // The change at the resume position comes again (an alarm tick may have repeated that position), then the
    // missed ones; all as whole items.
    expect(changes.map((m) => m.itemId)).toEqual([
      `referral-${seen.id}`,
      `referral-${missedA.id}`,
      `referral-${missedB.id}`,
    ]);
    expect(changes.map((m) => m.position)).toEqual([seen.position, missedA.position, missedB.position]);
    expect(caughtUp.position).toBe(missedB.position);
    expect(again.messages.some((m) => m.type === "snapshot")).toBe(false);
    again.close();
  });

  it("a client too far behind for the replay buffer gets a fresh snapshot", async () => {
    const dispatcher = await apiClient(harness.service.url, "dispatcher");
    const stale = await boardClient(harness.service.url, dispatcher.token, -5);
    const snapshot = await stale.next((m) => m.type === "snapshot");
    expect(snapshot.items?.length).toBeGreaterThanOrEqual(3);
    stale.close();
  });

  it("a hospital sees only what concerns it, the dispatcher sees identities masked", async () => {
    const county = await apiClient(harness.service.url, "county");
    const dispatcher = await apiClient(harness.service.url, "dispatcher");
    const centre = await apiClient(harness.service.url, "centre");
    const countyFeed = await boardClient(harness.service.url, county.token);
    const dispatcherFeed = await boardClient(harness.service.url, dispatcher.token);
    const centreFeed = await boardClient(harness.service.url, centre.token);
    expect((await countyFeed.next((m) => m.type === "snapshot")).items).toEqual([]);
    const raised = await raiseReferral();
    const isIt = (m: { type: string; itemId?: string }) =>
      m.type === "change" && m.itemId === `referral-${raised.id}`;
    expect((await dispatcherFeed.next(isIt)).item).toMatchObject({ patient: { name: "赵*" } });
    expect((await centreFeed.next(isIt)).item).toMatchObject({ patient: { name: "赵敏" } });
    await expect(countyFeed.next(isIt, 300)).rejects.toThrow();
    for (const feed of [countyFeed, dispatcherFeed, centreFeed]) feed.close();
  });

  it("an alarm raised by time alone reaches the board feed (emergency referral unanswered)", async () => {
    const dispatcher = await apiClient(harness.service.url, "dispatcher");
    const feed = await boardClient(harness.service.url, dispatcher.token);
    const raised = await raiseReferral();
    const isIt = (m: { type: string; itemId?: string }) =>
      m.type === "change" && m.itemId === `referral-${raised.id}`;
    expect((await feed.next(isIt)).item).toMatchObject({ alarms: [] });
    clock.advance(10);
    harness.service.readModels.tickAlarms();
    const alarmed = await feed.next(
      (m) => isIt(m) && ((m.item?.alarms as unknown[] | undefined) ?? []).length > 0,
    );
    expect(alarmed.item).toMatchObject({ alarms: [{ kind: "emergency_referral_unanswered" }] });
    feed.close();
  });

  it("a burst to several views: the dispatcher never receives an identity, a hospital only its own items, each in position order", async () => {
    const users = ["dispatcher", "clinic", "county", "centre", "auditor"];
    const api = await Promise.all(users.map((u) => apiClient(harness.service.url, u)));
    const feeds = await Promise.all(api.map((a) => boardClient(harness.service.url, a.token)));
    await Promise.all(feeds.map((f) => f.next((m) => m.type === "snapshot")));
    const raised = await Promise.all(
      Array.from({ length: 45 }, (_, i) => raiseReferral(i % 3 === 2 ? "county" : "clinic")),
    );
    const burstIds = new Set(raised.map((r) => `referral-${r.id}`));
    const lastPosition = Math.max(...raised.map((r) => r.position));
    const dispatcherFeed = feeds[0] as (typeof feeds)[number];
    await dispatcherFeed.next((m) => m.type === "change" && m.position === lastPosition);
    for (const [i, feed] of feeds.entries()) {
      const user = api[i] as (typeof api)[number];
      // What this user may see of the burst, as the scoped board query answers it.
      const expected = ((await user.get("/api/board")).body.items as { id: string }[])
        .map((item) => item.id)
        .filter((id) => burstIds.has(id));
      if (expected.length > 0) await feed.next((m) => m.type === "change" && m.itemId === expected.at(-1));
      const changes = feed.messages.filter((m) => m.type === "change" && burstIds.has(m.itemId ?? ""));
      expect(new Set(changes.map((m) => m.itemId)), users[i]).toEqual(new Set(expected));
      const positions = changes.map((m) => m.position);
      expect(positions, users[i]).toEqual([...positions].sort((a, b) => a - b));
    }
    expect(new Set(feeds[2]?.messages.filter((m) => m.type === "change").map((m) => m.itemId))).toEqual(
      new Set(raised.filter((_, i) => i % 3 === 2).map((r) => `referral-${r.id}`)),
    );
    const dispatcherSaw = JSON.stringify(dispatcherFeed.messages);
    expect(dispatcherSaw).not.toContain("赵敏");
    expect(dispatcherSaw).toContain("赵*");
    expect(JSON.stringify(feeds[3]?.messages)).toContain("赵敏");
    for (const feed of feeds) feed.close();
  });

  it("closes an open connection when its token expires (4401 token expired)", async () => {
    // A token that lives two seconds, signed with the service's own key (the demo tokens live 12 hours).
    const short = harness.service.app.jwt.sign(
      { sub: "dispatcher", name: "120 调度员", role: "dispatcher" },
      { expiresIn: "2s" },
    );
    const lasting = await apiClient(harness.service.url, "dispatcher");
    const expiring = await boardClient(harness.service.url, short);
    const staying = await boardClient(harness.service.url, lasting.token);
    await expiring.next((m) => m.type === "snapshot");
    expect(await expiring.closed).toEqual({ code: 4401, reason: "token expired" });
    expect(staying.socket.readyState).toBe(WebSocket.OPEN);
    staying.close();
  }, 15_000);
});
