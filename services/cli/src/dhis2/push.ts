import { z } from "zod";
import { Dhis2ExportError } from "./build";

export type Dhis2Format = "json" | "adx";

export interface PushRequest {
  url: string;
  contentType: string;
  body: string;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * Where and how a payload goes: `<base>/api/dataValueSets` (the base may already end in /api).
 * ADX is sent with DHIS2's ADX content type and code id schemes, since it carries codes. The
 * token never travels over plain HTTP except to this machine.
 */
export function pushRequest(base: string, format: Dhis2Format, body: string): PushRequest {
  let u: URL;
  try {
    u = new URL(base);
  } catch {
    throw new Dhis2ExportError(`--push '${base}' is not a URL (e.g. https://dhis2.example.org)`);
  }
  if (u.protocol !== "https:" && !(u.protocol === "http:" && LOOPBACK.test(u.hostname)))
    throw new Dhis2ExportError(
      `--push ${u.origin}: the token would travel in clear text; use https (plain http only to localhost)`,
    );
  if (u.username || u.password || u.search || u.hash)
    throw new Dhis2ExportError("--push takes the server's base URL only: no credentials, query or fragment");
  const path = u.pathname.replace(/\/+$/, "");
  u.pathname = `${path.endsWith("/api") ? path : `${path}/api`}/dataValueSets`;
  if (format === "adx")
    for (const [k, v] of [
      ["dataElementIdScheme", "CODE"],
      ["orgUnitIdScheme", "CODE"],
      ["idScheme", "CODE"],
    ] as const)
      u.searchParams.set(k, v);
  return {
    url: u.toString(),
    contentType: format === "adx" ? "application/adx+xml" : "application/json",
    body,
  };
}

/** DHIS2's import summary, bare (before 2.36) or wrapped in a WebMessage (`response`). */
const ImportCount = z.object({
  imported: z.number().default(0),
  updated: z.number().default(0),
  ignored: z.number().default(0),
  deleted: z.number().default(0),
});
const Conflict = z.looseObject({ object: z.string().optional(), value: z.string().optional() });
const Summary = z.looseObject({
  status: z.string(),
  description: z.string().optional(),
  message: z.string().optional(),
  importCount: ImportCount.optional(),
  conflicts: z.array(Conflict).optional(),
});
const Wrapped = z.looseObject({ response: Summary, httpStatusCode: z.number().optional() });
export type ImportSummary = z.infer<typeof Summary>;

export interface PushResult {
  httpStatus: number;
  summary: ImportSummary;
  ok: boolean;
}

export async function push(
  req: PushRequest,
  token: string,
  fetchImpl: typeof fetch = fetch,
): Promise<PushResult> {
  let res: Response;
  try {
    res = await fetchImpl(req.url, {
      method: "POST",
      headers: {
        "Content-Type": req.contentType,
        Accept: "application/json",
        Authorization: `ApiToken ${token}`,
      },
      body: req.body,
      redirect: "error",
      signal: AbortSignal.timeout(120_000),
    });
  } catch (e) {
    throw new Dhis2ExportError(`could not reach ${new URL(req.url).origin}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Dhis2ExportError(
      `DHIS2 answered HTTP ${res.status} without an import summary${res.status === 401 ? " (is HRVEND_DHIS2_TOKEN a valid personal access token?)" : ""}: ${text.slice(0, 200)}`,
    );
  }
  const wrapped = Wrapped.safeParse(parsed);
  const bare = Summary.safeParse(parsed);
  const summary = wrapped.success
    ? {
        ...wrapped.data.response,
        message: wrapped.data.response.message ?? (wrapped.data["message"] as string | undefined),
      }
    : bare.success
      ? bare.data
      : undefined;
  if (!summary)
    throw new Dhis2ExportError(
      `DHIS2 answered HTTP ${res.status} with something that is not an import summary: ${text.slice(0, 200)}`,
    );
  return { httpStatus: res.status, summary, ok: res.ok && summary.status === "SUCCESS" };
}

export function describeSummary(r: PushResult): string {
  const c = r.summary.importCount ?? { imported: 0, updated: 0, ignored: 0, deleted: 0 };
  const lines = [
    `DHIS2 import ${r.summary.status} (HTTP ${r.httpStatus}): ${c.imported} imported, ${c.updated} updated, ${c.ignored} ignored, ${c.deleted} deleted`,
  ];
  const said = r.summary.description ?? r.summary.message;
  if (said) lines.push(`  ${said}`);
  for (const x of r.summary.conflicts ?? []) lines.push(`  conflict: ${x.object ?? "?"}: ${x.value ?? ""}`);
  return lines.join("\n");
}
