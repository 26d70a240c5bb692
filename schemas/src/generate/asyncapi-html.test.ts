import { describe, expect, it } from "vitest";
import { EVENT_KINDS, KIND_SOURCE_TYPE } from "../event";
import { asyncApiDocument } from "./asyncapi";
import { asyncApiHtml } from "./asyncapi-html";

describe("asyncApiHtml", () => {
  const document = asyncApiDocument();
  const html = asyncApiHtml(document);
  /** The page's text without tags, entities decoded: what a reader sees. */
  const text = html
    .replace(/<[^>]+>/g, "")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

  it("names every kind's MQTT topic, with its source type level, and links its message", () => {
    for (const kind of EVENT_KINDS) {
      expect(text).toContain(`hr/v1/{prisonId}/${KIND_SOURCE_TYPE[kind]}/{sourceId}/${kind}`);
      expect(html).toContain(`id="kind-${kind}"`);
      expect(html).toContain(`href="#kind-${kind}"`);
    }
  });

  it("names the production server (TLS on 8883) and its username/password scheme", () => {
    expect(text).toContain("{brokerHost}:8883");
    expect(text).toContain("secure-mqtt 3.1.1");
    expect(html).toMatch(/<tr id="server-production">.*<code>sourceAccount<\/code>/);
    expect(text).toContain("sourceAccount (userPassword)");
  });

  it("is self-contained (no script, nothing fetched) and escapes what it shows", () => {
    expect(html).not.toMatch(/<script|<link|src=/i);
    const hostile = structuredClone(document) as { info: { title: string } };
    hostile.info.title = "<img src=x onerror=alert(1)>";
    expect(asyncApiHtml(hostile)).not.toContain("<img");
  });
});
