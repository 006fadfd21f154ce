import { readFile } from "node:fs/promises";
import path from "node:path";
import { Parser } from "@asyncapi/parser";
import { describe, expect, it } from "vitest";
import { BOARD_PROTOCOL, BOARD_PROTOCOL_PATCHES, CLOSE_TOKEN_EXPIRED, CLOSE_TOO_SLOW } from "./boardFeed.js";

const DOCUMENT = path.resolve(import.meta.dirname, "../../../../docs/asyncapi.yaml");

/** docs/asyncapi.yaml: a valid AsyncAPI 3 document that describes the feed this code serves. */
describe("the board feed's AsyncAPI document", () => {
  it("parses and validates with the AsyncAPI parser, without errors", async () => {
    const { document, diagnostics } = await new Parser().parse(await readFile(DOCUMENT, "utf8"));
    // Severity 0 is an error; warnings and hints do not make the document invalid.
    expect(
      diagnostics.filter((d) => d.severity === 0).map((d) => `${d.path.join(".")}: ${d.message}`),
    ).toEqual([]);
    expect(document?.version()).toBe("3.1.0");
    const names = document
      ?.messages()
      .all()
      .map((m) => m.name());
    expect(new Set(names)).toEqual(
      new Set(["snapshot", "change", "changes", "caught_up", "heartbeat", "probe"]),
    );
    expect(document?.channels().all()[0]?.address()).toBe("/ws/board");
  });

  it("names the subprotocol and the close codes the feed uses", async () => {
    const text = await readFile(DOCUMENT, "utf8");
    for (const term of [
      BOARD_PROTOCOL,
      BOARD_PROTOCOL_PATCHES,
      `\`${CLOSE_TOKEN_EXPIRED}\``,
      `\`${CLOSE_TOO_SLOW}\``,
      "?after=",
      "&epoch=",
    ])
      expect(text).toContain(term);
  });
});
