import { describe, expect, it } from "vitest";
import { Dhis2ExportError } from "./build";
import { describeSummary, push, pushRequest } from "./push";

describe("DHIS2 push request", () => {
  it("targets <base>/api/dataValueSets, whether or not the base ends in /api", () => {
    expect(pushRequest("https://dhis2.example.org", "json", "{}").url).toBe(
      "https://dhis2.example.org/api/dataValueSets",
    );
    expect(pushRequest("https://h.example.org/dhis/api/", "json", "{}").url).toBe(
      "https://h.example.org/dhis/api/dataValueSets",
    );
    const adx = pushRequest("https://h.example.org/dhis", "adx", "<adx/>");
    expect(adx.url).toBe(
      "https://h.example.org/dhis/api/dataValueSets?dataElementIdScheme=CODE&orgUnitIdScheme=CODE&idScheme=CODE",
    );
    expect(adx.contentType).toBe("application/adx+xml");
  });

  it("never sends the token in clear text except to this machine, nor to a URL carrying credentials", () => {
    for (const bad of ["http://dhis2.example.org", "http://10.0.0.5", "ftp://dhis2.example.org"])
      expect(() => pushRequest(bad, "json", "")).toThrow(/clear text; use https/);
    for (const ok of ["http://localhost:8080", "http://127.0.0.1:9", "http://[::1]:80"])
      expect(() => pushRequest(ok, "json", "")).not.toThrow();
    expect(() => pushRequest("https://u:p@dhis2.example.org", "json", "")).toThrow(/no credentials, query/);
    expect(() => pushRequest("https://dhis2.example.org?x=1", "json", "")).toThrow(Dhis2ExportError);
    expect(() => pushRequest("dhis2.example.org", "json", "")).toThrow(/is not a URL/);
  });
});

describe("DHIS2 import summary", () => {
  const answer = (status: number, body: unknown) => async () =>
    new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  const req = pushRequest("https://dhis2.example.org", "json", "{}");

  it("reads the WebMessage-wrapped summary (2.36+) and the bare one", async () => {
    const count = { imported: 3, updated: 1, ignored: 0, deleted: 0 };
    const wrapped = await push(
      req,
      "t",
      answer(200, {
        httpStatusCode: 200,
        response: { responseType: "ImportSummary", status: "SUCCESS", importCount: count },
      }),
    );
    expect(wrapped.ok).toBe(true);
    expect(describeSummary(wrapped)).toBe(
      "DHIS2 import SUCCESS (HTTP 200): 3 imported, 1 updated, 0 ignored, 0 deleted",
    );
    const bare = await push(
      req,
      "t",
      answer(200, { status: "WARNING", importCount: count, conflicts: [{ object: "X", value: "bad" }] }),
    );
    expect(bare.ok).toBe(false);
    expect(describeSummary(bare)).toContain("conflict: X: bad");
  });

  it("an answer that is not a summary is an error quoting it, a 401 hints at the token", async () => {
    await expect(push(req, "t", answer(401, "<html>login</html>"))).rejects.toThrow(
      /HTTP 401 without an import summary \(is HRVEND_DHIS2_TOKEN a valid personal access token\?\)/,
    );
    await expect(push(req, "t", answer(200, { hello: 1 }))).rejects.toThrow(/not an import summary/);
  });

  it("sends the token as DHIS2's ApiToken header, nowhere else", async () => {
    let seen: RequestInit | undefined;
    let url = "";
    await push(req, "d2pat_abc", async (u, init) => {
      url = String(u);
      seen = init;
      return new Response(JSON.stringify({ status: "SUCCESS" }), { status: 200 });
    });
    expect((seen?.headers as Record<string, string> | undefined)?.Authorization).toBe("ApiToken d2pat_abc");
    expect(url).not.toContain("d2pat_abc");
    expect(String(seen?.body)).not.toContain("d2pat_abc");
    expect(seen?.redirect).toBe("error");
  });
});
