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

  const raiseReferral = async () => {
    const clinic = await apiClient(harness.service.url, "clinic");
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
    expect(changes.map((m) => m.itemId)).toEqual([`referral-${missedA.id}`, `referral-${missedB.id}`]);
    expect(changes.map((m) => m.position)).toEqual([missedA.position, missedB.position]);
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
});
