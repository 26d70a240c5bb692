import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { natsServers } from "@hrvend/runtime/nats";
import { DeliverPolicy, jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { ledgerFacts } from "../../support/ledger";
import { Pipeline } from "../../support/pipeline";
import { setServiceNodeArgs } from "./config";
import { type CpuProfile, summarise } from "./cpuprofile";

/**
 * Profiles the whole pipeline (issue #20): the pilot scenario through gateway, recorder, stock,
 * reorder and coverage on private servers, every service started with `--cpu-prof`.
 *
 *   npx tsx test/bench/profile/profile.ts [--days 30] [--out /tmp/hrvend-profile] [--sql-log]
 *
 * Writes to --out: `cpu.json` (CPU seconds per process over the run, PostgreSQL's backends
 * attributed to the service that holds their connection), every service's `.cpuprofile` (open
 * it in Chrome DevTools or speedscope for the flame graph), `<service>.folded` (collapsed stacks
 * for flamegraph.pl) and `<service>.top.txt` (self time by function and by module, measured
 * window only). With --sql-log PostgreSQL logs every statement (this costs PostgreSQL CPU: use a
 * separate run for the CPU figures) and `sql.json` counts statements and transactions per
 * consumer batch.
 */
const args = process.argv.slice(2);
const opt = (name: string, d: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? (args[i + 1] as string) : d;
};
const days = Number(opt("days", "30"));
const out = resolve(opt("out", "/tmp/hrvend-profile"));
const sqlLog = args.includes("--sql-log");
const cpuProf = !args.includes("--no-cpu-prof");
const profiles = join(out, "cpuprofiles");
mkdirSync(profiles, { recursive: true });
if (cpuProf) setServiceNodeArgs(`--cpu-prof --cpu-prof-dir=${profiles}`);
const log = (s: string) => console.error(`[profile] ${new Date().toISOString().slice(11, 19)} ${s}`);

const TICKS = 100; // USER_HZ
function stat(pid: number): { ppid: number; cpu: number; comm: string } | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    const comm = s.slice(s.indexOf("(") + 1, s.lastIndexOf(")"));
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICKS, comm };
  } catch {
    return undefined;
  }
}
const childrenOf = (pid: number) =>
  readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((p) => stat(p)?.ppid === pid);

log(`starting the pipeline (pilot, ${days} days${sqlLog ? ", statement logging" : ""})`);
const p = await Pipeline.start("pilot", "profile");
try {
  const pg = p.servers.get("postgres");
  if (pg === undefined) throw new Error("no postgres");
  if (sqlLog) {
    await sql`ALTER SYSTEM SET log_statement = 'all'`.execute(p.db);
    await sql`ALTER SYSTEM SET log_line_prefix = '%m [%p] %u@%d '`.execute(p.db);
    await sql`SELECT pg_reload_conf()`.execute(p.db);
  }
  const pgLogStart = readFileSync(pg.logFile).length;
  // Every process's CPU at the start, and the last value seen of every PostgreSQL backend
  // (sampled, so that a backend that ends during the run still counts).
  const services = new Map([...p.services].map(([n, s]) => [s.pid, n]));
  const servers = new Map([...p.servers].map(([n, s]) => [s.pid, n]));
  const cpu0 = new Map<number, number>();
  for (const pid of [...services.keys(), ...servers.keys()]) cpu0.set(pid, stat(pid)?.cpu ?? 0);
  const backends = new Map<number, { start: number; last: number; owner: string }>();
  const portOwner = (): Map<number, string> => {
    // ss -tnpH: local address, peer address, users:(("node",pid=123,fd=4))
    const m = new Map<number, string>();
    for (const line of execFileSync("ss", ["-tnpH", "state", "established"], { encoding: "utf8" }).split(
      "\n",
    )) {
      const pid = Number(/pid=(\d+)/.exec(line)?.[1]);
      const local = /127\.0\.0\.1:(\d+)\s+127\.0\.0\.1:(\d+)/.exec(line);
      if (!local || !Number(pid)) continue;
      const owner = services.get(pid) ?? (pid === process.pid ? "harness" : undefined);
      if (owner && Number(local[2]) === pg.port) m.set(Number(local[1]), owner);
    }
    return m;
  };
  const sampleBackends = async () => {
    const owners = portOwner();
    const rows = await sql<{ pid: number; client_port: number | null; backend_type: string }>`
      SELECT pid, client_port, backend_type FROM pg_stat_activity`.execute(p.db);
    const byPid = new Map(rows.rows.map((r) => [r.pid, r]));
    for (const child of childrenOf(pg.pid)) {
      const s = stat(child);
      if (s === undefined) continue;
      const known = backends.get(child);
      const r = byPid.get(child);
      const owner =
        (known?.owner.startsWith("postgres: ") ? undefined : known?.owner) ??
        (r?.client_port
          ? (owners.get(r.client_port) ?? "other client")
          : `postgres: ${r?.backend_type ?? s.comm}`);
      backends.set(child, { start: known?.start ?? s.cpu, last: s.cpu, owner });
    }
  };
  await sampleBackends();
  let sampling = true;
  let t0 = performance.now();
  // When each consumer committed what position, and what the stream held (seconds since t0).
  const progress: { t: number; stream: number; positions: Record<string, number> }[] = [];
  const sampler = (async () => {
    while (sampling) {
      await new Promise((r) => setTimeout(r, 1000));
      await sampleBackends().catch(() => undefined);
      const [stream, positions] = await Promise.all([p.streamState(), p.positions()]).catch(() => []);
      if (stream && positions)
        progress.push({ t: Math.round(performance.now() - t0) / 1000, stream: stream.lastSeq, positions });
    }
  })();

  const ledger = join(p.dir, "ledger.jsonl");
  t0 = performance.now();
  const mono0 = process.hrtime.bigint() / 1000n; // CLOCK_MONOTONIC µs, the profiles' clock
  log("simulating at full speed");
  const sim = p.simulate([
    ...["--scenario", "pilot", "--days", String(days), "--seed", "21"],
    ...["--speed", "max", "--ledger", ledger],
  ]);
  const simPid = sim.child.pid as number;
  let simCpu = 0;
  const simSampler = setInterval(() => (simCpu = stat(simPid)?.cpu ?? simCpu), 250);
  const exit = await sim.exited;
  clearInterval(simSampler);
  if (exit !== 0) throw new Error(`simulator failed: ${sim.output()}`);
  const simSeconds = (performance.now() - t0) / 1000;
  const events = ledgerFacts(ledger).filter((f) => f.fact === "event").length;
  log(`simulator done: ${events} events in ${simSeconds.toFixed(1)} s; settling`);
  await p.settle(events, 1_800_000);
  const seconds = (performance.now() - t0) / 1000;
  const mono1 = process.hrtime.bigint() / 1000n;
  sampling = false;
  await sampler;
  await sampleBackends();
  log(`settled after ${seconds.toFixed(1)} s`);

  const perProcess: Record<string, number> = {};
  for (const [pid, n] of [...services, ...servers])
    perProcess[n] = (stat(pid)?.cpu ?? 0) - (cpu0.get(pid) ?? 0);
  const pgByOwner: Record<string, number> = {};
  for (const b of backends.values()) pgByOwner[b.owner] = (pgByOwner[b.owner] ?? 0) + (b.last - b.start);
  const pgBackends = Object.values(pgByOwner).reduce((a, b) => a + b, 0);
  const round = (x: number) => Math.round(x * 100) / 100;
  const positions = await p.positions();
  const stream = await p.streamState();
  const result = {
    days,
    events,
    streamMessages: stream.messages,
    simulatorSeconds: round(simSeconds),
    seconds: round(seconds),
    eventsPerSec: Math.round(events / seconds),
    simulatorCpuSeconds: round(simCpu),
    cpuSeconds: Object.fromEntries(Object.entries(perProcess).map(([k, v]) => [k, round(v)])),
    postgresMainProcessSeconds: round(perProcess["postgres"] ?? 0),
    postgresBackendsSeconds: round(pgBackends),
    postgresByClient: Object.fromEntries(Object.entries(pgByOwner).map(([k, v]) => [k, round(v)])),
    pipelineCpuSeconds: round(Object.values(perProcess).reduce((a, b) => a + b, 0) + pgBackends),
    positions,
    /** Seconds from the simulator's start until the stream held every event / each consumer committed it. */
    doneAt: Object.fromEntries([
      ["stream", progress.find((x) => x.stream >= stream.lastSeq)?.t],
      ...Object.keys(positions).map((c) => [
        c,
        progress.find((x) => (x.positions[c] ?? 0) >= stream.lastSeq)?.t,
      ]),
    ]),
    cpuProf,
    pids: Object.fromEntries(services),
    window: { fromUs: mono0.toString(), toUs: mono1.toString() },
  };
  writeFileSync(join(out, "cpu.json"), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(out, "progress.json"), `${JSON.stringify(progress)}\n`);
  log(JSON.stringify(result));

  const order = await streamOrder(p.natsUrl, stream.messages);
  writeFileSync(join(out, "order.json"), `${JSON.stringify(order, null, 2)}\n`);
  log(`stream order: ${JSON.stringify(order.total)}`);

  if (sqlLog) {
    await sql`ALTER SYSTEM RESET log_statement`.execute(p.db);
    await sql`SELECT pg_reload_conf()`.execute(p.db);
    // The logger writes asynchronously: let it catch up before reading.
    await new Promise((r) => setTimeout(r, 2000));
    const text = readFileSync(pg.logFile).subarray(pgLogStart).toString("utf8");
    writeFileSync(join(out, "postgres-statements.log"), text);
    const ownerOf = new Map([...backends].map(([pid, b]) => [pid, b.owner]));
    writeFileSync(join(out, "sql.json"), `${JSON.stringify(sqlCounts(text, ownerOf), null, 2)}\n`);
  }
} finally {
  await p.stop();
}

// The profiles are written when the services exit (SIGTERM → drain → process.exit).
const cpu = JSON.parse(readFileSync(join(out, "cpu.json"), "utf8"));
for (const f of readdirSync(profiles).filter((x) => x.endsWith(".cpuprofile"))) {
  const pid = Number(f.split(".")[3]);
  const name = cpu.pids?.[pid] ?? `pid${pid}`;
  const prof = JSON.parse(readFileSync(join(profiles, f), "utf8")) as CpuProfile;
  const s = summarise(prof, { fromUs: Number(cpu.window.fromUs), toUs: Number(cpu.window.toUs) }, 25);
  writeFileSync(join(out, `${name}-${f}.top.txt`), s.text);
  writeFileSync(join(out, `${name}-${f}.folded`), s.folded);
  log(`${f}: ${s.text.split("\n")[0]}`);
}

/**
 * How far from each machine's seq order the events stream holds them: an event stored after a
 * higher seq of its machine is `late`; the stock service holds the higher ones (in its JSON
 * state) until it comes. `maxBehind`: the most higher seqs stored before a late one.
 */
async function streamOrder(url: string, total: number) {
  const nc = await natsConnect({ servers: natsServers(url), reconnect: false });
  try {
    const js = (await jetstreamManager(nc)).jetstream();
    const consumer = await js.consumers.get("HR_EVENTS", { deliver_policy: DeliverPolicy.All });
    const seen = new Map<string, number[]>();
    const per: Record<string, { events: number; late: number; maxBehind: number }> = {};
    const lateByKind: Record<string, number> = {};
    const eventsByKind: Record<string, number> = {};
    const behinds: number[] = [];
    let firstMachine: string | undefined;
    const sample: string[] = [];
    let got = 0;
    while (got < total) {
      const batch = await consumer.fetch({ max_messages: Math.min(5000, total - got), expires: 5_000 });
      let n = 0;
      for await (const m of batch) {
        n++;
        const e = m.json<{ machineId?: string; seq?: number; kind: string }>();
        if (e.machineId === undefined || e.seq === undefined) continue;
        const list = seen.get(e.machineId) ?? [];
        seen.set(e.machineId, list);
        const r = per[e.machineId] ?? { events: 0, late: 0, maxBehind: 0 };
        per[e.machineId] = r;
        r.events++;
        eventsByKind[e.kind] = (eventsByKind[e.kind] ?? 0) + 1;
        const behind =
          list.length > 0 && (list[list.length - 1] as number) > e.seq
            ? list.filter((x) => x > e.seq!).length
            : 0;
        if (behind > 0) {
          r.late++;
          lateByKind[e.kind] = (lateByKind[e.kind] ?? 0) + 1;
          behinds.push(behind);
          r.maxBehind = Math.max(r.maxBehind, behind);
        }
        if (e.machineId === firstMachine || firstMachine === undefined) {
          firstMachine = e.machineId;
          if (sample.length < 400) sample.push(`${e.seq}${e.kind === "heartbeat" ? "" : e.kind[0]}`);
        }
        list.push(e.seq);
        if (list.length > 5000) list.splice(0, list.length - 5000);
        list.sort((a, b) => a - b);
      }
      if (n === 0) break;
      got += n;
    }
    const sum = Object.values(per);
    return {
      total: {
        events: sum.reduce((a, b) => a + b.events, 0),
        late: sum.reduce((a, b) => a + b.late, 0),
        maxBehind: Math.max(0, ...sum.map((x) => x.maxBehind)),
        behindP50: behinds.sort((a, b) => a - b)[Math.floor(behinds.length / 2)] ?? 0,
        behindP90: behinds[Math.floor(behinds.length * 0.9)] ?? 0,
      },
      eventsByKind,
      lateByKind,
      /** The first machine's first seqs in stream order (a letter: not a heartbeat). */
      sample: `${firstMachine}: ${sample.join(" ")}`,
      perMachine: per,
    };
  } finally {
    await nc.close();
  }
}

/** Statements and transactions per PostgreSQL session, grouped by the service owning it. */
function sqlCounts(text: string, ownerOf: Map<number, string>) {
  // A log record starts with the prefix '%m [%p] %u@%d '; a statement's further lines follow it.
  const records: { pid: number; kind: string; body: string }[] = [];
  for (const line of text.split("\n")) {
    const m =
      /^\d{4}-\d\d-\d\d \S+ \S+ \[(\d+)\] \S+ (LOG|DETAIL|ERROR|WARNING|STATEMENT|HINT|CONTEXT):\s+(.*)$/.exec(
        line,
      );
    if (m) records.push({ pid: Number(m[1]), kind: m[2] as string, body: m[3] as string });
    else if (records.length > 0) (records[records.length - 1] as { body: string }).body += ` ${line}`;
  }
  const perPid = new Map<
    number,
    {
      statements: number;
      commits: number;
      positions: Map<string, number>;
      kinds: Map<string, number>;
      last: string;
    }
  >();
  for (const r of records) {
    const s = perPid.get(r.pid) ?? {
      statements: 0,
      commits: 0,
      positions: new Map(),
      kinds: new Map(),
      last: "",
    };
    perPid.set(r.pid, s);
    const st = /^(?:statement|execute [^:]*):\s*([\s\S]*)$/.exec(r.body);
    if (r.kind === "LOG" && st) {
      s.statements++;
      const stmt = (st[1] as string).replace(/\s+/g, " ").trim();
      if (/^commit/i.test(stmt)) s.commits++;
      s.last = stmt;
      const key = stmt.slice(0, 100);
      s.kinds.set(key, (s.kinds.get(key) ?? 0) + 1);
      continue;
    }
    const d = /^parameters: \$1 = '([\w-]+)', \$2 = 'HR_/.exec(r.body);
    if (r.kind === "DETAIL" && d && s.last.includes("ingest.stream_position"))
      s.positions.set(d[1] as string, (s.positions.get(d[1] as string) ?? 0) + 1);
  }
  const byOwner: Record<
    string,
    { statements: number; commits: number; positions: Record<string, number>; top: [string, number][] }
  > = {};
  for (const [pid, s] of perPid) {
    const owner = ownerOf.get(pid) ?? "unknown";
    const o = byOwner[owner] ?? { statements: 0, commits: 0, positions: {}, top: [] };
    byOwner[owner] = o;
    o.statements += s.statements;
    o.commits += s.commits;
    for (const [c, n] of s.positions) o.positions[c] = (o.positions[c] ?? 0) + n;
    const merged = new Map(o.top);
    for (const [k, n] of s.kinds) merged.set(k, (merged.get(k) ?? 0) + n);
    o.top = [...merged].sort((a, b) => b[1] - a[1]).slice(0, 40);
  }
  return byOwner;
}
