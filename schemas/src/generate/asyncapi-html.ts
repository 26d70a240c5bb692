/**
 * The AsyncAPI document as one readable, self-contained HTML page for vendors (no script, no
 * network). A small template rather than @asyncapi/html-template: that one runs through
 * @asyncapi/generator (React rendering, its own template install step), a large dependency
 * tree for one static page; this page shows exactly what the document says, from the document.
 */
interface Doc {
  info: { title: string; version: string; description: string };
  servers: Record<string, ServerDoc>;
  channels: Record<string, ChannelDoc>;
  operations: Record<string, OperationDoc>;
  components: {
    securitySchemes?: Record<string, { type: string; description?: string }>;
    messages: Record<string, MessageDoc>;
  };
}
interface ServerDoc {
  host: string;
  protocol: string;
  protocolVersion?: string;
  title?: string;
  description?: string;
  variables?: Record<string, { default?: string; description?: string }>;
  security?: { $ref: string }[];
}
interface ChannelDoc {
  address: string;
  title?: string;
  messages: Record<string, { $ref: string }>;
  servers?: { $ref: string }[];
}
interface OperationDoc {
  action: "send" | "receive";
  title?: string;
  description?: string;
  channel: { $ref: string };
}
interface MessageDoc {
  name: string;
  summary?: string;
  payload: unknown;
  examples?: { name?: string; payload: unknown }[];
}

const esc = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const last = (ref: string): string => ref.split("/").pop() ?? ref;

/** Inline markdown of the document's prose: `code` and paragraphs, list items. */
function prose(text: string): string {
  const inline = (s: string) => esc(s).replace(/`([^`]+)`/g, "<code>$1</code>");
  const out: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (list.length) out.push(`<ul>${list.map((l) => `<li>${inline(l)}</li>`).join("")}</ul>`);
    list = [];
  };
  for (const para of text.split(/\n{2,}/)) {
    const lines = para.split("\n").filter((l) => l.trim() !== "");
    if (lines.length === 0) continue;
    if (lines.every((l) => l.startsWith("- "))) {
      list.push(...lines.map((l) => l.slice(2)));
      continue;
    }
    flush();
    out.push(`<p>${inline(lines.join(" "))}</p>`);
  }
  flush();
  return out.join("\n");
}

export function asyncApiHtml(document: Record<string, unknown>): string {
  const doc = document as unknown as Doc;
  const sends = Object.entries(doc.operations).filter(([, o]) => o.action === "send");
  const servers = Object.entries(doc.servers)
    .map(([id, s]) => {
      const vars = Object.entries(s.variables ?? {})
        .map(
          ([k, v]) =>
            `<br><code>{${esc(k)}}</code>: ${esc(v.description ?? "")} (e.g. <code>${esc(v.default ?? "")}</code>)`,
        )
        .join("");
      const security =
        (s.security ?? []).map((r) => `<code>${esc(last(r.$ref))}</code>`).join(", ") || "none";
      return `<tr id="server-${esc(id)}"><td><code>${esc(id)}</code></td><td><code>${esc(s.host)}</code>${vars}</td><td>${esc(s.protocol)} ${esc(s.protocolVersion ?? "")}</td><td>${security}</td><td>${esc(s.description ?? "")}</td></tr>`;
    })
    .join("\n");
  const schemes = Object.entries(doc.components.securitySchemes ?? {})
    .map(([id, s]) => `<dt><code>${esc(id)}</code> (${esc(s.type)})</dt><dd>${esc(s.description ?? "")}</dd>`)
    .join("\n");
  const topics = sends
    .map(([id, o]) => {
      const channel = doc.channels[last(o.channel.$ref)] as ChannelDoc;
      const kind = Object.keys(channel.messages)[0] ?? "";
      return `<tr><td><a href="#kind-${esc(kind)}"><code>${esc(kind)}</code></a></td><td><code>${esc(channel.address)}</code></td><td>${esc(o.description ?? o.title ?? id)}</td></tr>`;
    })
    .join("\n");
  const kinds = sends
    .map(([, o]) => {
      const channel = doc.channels[last(o.channel.$ref)] as ChannelDoc;
      const kind = Object.keys(channel.messages)[0] ?? "";
      const m = doc.components.messages[kind] as MessageDoc;
      const example = m.examples?.[0]?.payload;
      return `<section id="kind-${esc(kind)}">
<h3><code>${esc(kind)}</code></h3>
<p>${esc(m.summary ?? "")}</p>
<p>Topic: <code>${esc(channel.address)}</code>. ${esc(o.description ?? "")}</p>
<details><summary>Payload (JSON Schema)</summary><pre>${esc(JSON.stringify(m.payload, null, 2))}</pre></details>
${example === undefined ? "" : `<details open><summary>Example</summary><pre>${esc(JSON.stringify(example, null, 2))}</pre></details>`}
</section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(doc.info.title)} ${esc(doc.info.version)}</title>
<style>
body { font: 15px/1.5 system-ui, sans-serif; max-width: 70rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
code, pre { font-family: ui-monospace, monospace; font-size: 90%; }
pre { background: #f6f6f6; padding: .6rem; overflow-x: auto; }
section { border-top: 1px solid #ddd; margin-top: 1.5rem; }
</style>
</head>
<body>
<h1>${esc(doc.info.title)} <small>version ${esc(doc.info.version)}</small></h1>
${prose(doc.info.description)}
<h2>Servers</h2>
<table><thead><tr><th>id</th><th>host</th><th>protocol</th><th>security</th><th>notes</th></tr></thead>
<tbody>
${servers}
</tbody></table>
<h2>Security</h2>
<dl>
${schemes}
</dl>
<h2>Topics a source publishes (MQTT)</h2>
<table><thead><tr><th>kind</th><th>topic</th><th>who may publish</th></tr></thead>
<tbody>
${topics}
</tbody></table>
<h2>Messages</h2>
${kinds}
<p>Generated from the zod contract in @hrvend/schemas (schemas/generated/asyncapi.json); do not edit by hand.</p>
</body>
</html>
`;
}
