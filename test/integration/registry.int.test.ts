import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sourceUser } from "@hrvend/runtime";
import { ensureStreams } from "@hrvend/runtime/nats";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect as natsConnect } from "@nats-io/transport-node";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, hrvend } from "../support/cli";
import { isolate, mqttAccounts, type TestDatabase, testDatabase } from "../support/isolate";
import { type ServiceProcess, startService } from "../support/services";

/**
 * `hrvend registry apply` through the real broker (the registry source's own account), a real
 * gateway and recorder: a bad file applies nothing, changes only are published, a run from
 * another host (no local state) keeps the seq rising, a machine left out is deactivated, and a
 * missing file, the wrong password or another source's account is a clear one-line error.
 */
const iso = isolate("registry");
const PA = iso.prison("pa");
const PB = iso.prison("pb");
const SRC = `${iso.tag}-reg`;
/** A second registry source: it may not change machines the first one registered. */
const SRC2 = `${iso.tag}-reg2`;
const M1 = `${iso.tag}-m1`;
const M2 = `${iso.tag}-m2`;
const streams = {
  events: iso.stream("events"),
  eventSubjects: [`hr.v1.${PA}.>`, `hr.v1.${PB}.>`, `hr.v1.programme.${SRC}.>`, `hr.v1.programme.${SRC2}.>`],
  dead: iso.stream("dead"),
  deadPrefix: `hr.dead.${iso.tag}`,
};

let tdb: TestDatabase;
let dir: string;
const services: ServiceProcess[] = [];

const file = (o: { capacity?: number; m2?: boolean; extra?: string } = {}) => `version: 1
items:
  - id: kit
    name: Syringe kit
    category: syringe_kit
    syringesPerUnit: 10
    tracksLots: false
prisons:
  - id: ${PA}
    name: Prison A
    timeZone: Europe/Chisinau
    capacity: ${o.capacity ?? 300}
    injectingPrevalence: 0.1
    opioidDependencePrevalence: 0.05
    oatCapacity: 10
    machines:
      - id: ${M1}
        location: Block A
        slots:
          - { id: s1, item: kit, capacity: 40 }
${
  o.m2 === false
    ? ""
    : `      - id: ${M2}
        location: Block B
        slots:
          - { id: s1, item: kit, capacity: 40 }
`
}  - id: ${PB}
    name: Prison B
    timeZone: Europe/Chisinau
    capacity: 200
    injectingPrevalence: 0.1
    opioidDependencePrevalence: 0.05
    oatCapacity: 5
${o.extra ?? ""}`;

async function apply(text: string, extra: string[] = [], stateDir = "state"): Promise<CliResult> {
  const f = join(dir, `registry-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(f, text);
  return hrvend(
    [
      "registry",
      "apply",
      f,
      "--source",
      SRC,
      "--database-url",
      tdb.roleUrl("hrvend_writer"),
      "--mqtt-url",
      iso.servers.mqttUrl,
      "--mqtt-password-file",
      join(dir, "registry.pw"),
      "--wait",
      "60",
      ...extra,
    ],
    { HRVEND_STATE_DIR: join(dir, stateDir) },
  );
}

async function recorded(): Promise<{ kind: string; seq: number; entity: string; active: string | null }[]> {
  const r = await sql<{ kind: string; seq: string; entity: string; active: string | null }>`
    SELECT kind, seq, coalesce(payload->>'machineId', payload->>'itemId', prison_id) AS entity,
           payload->>'active' AS active
      FROM ingest.raw_event WHERE source_id = ${SRC} ORDER BY seq`.execute(tdb.db);
  return r.rows.map((x) => ({ ...x, seq: Number(x.seq) }));
}

async function streamCount(): Promise<number> {
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  try {
    return (await (await jetstreamManager(nc)).streams.info(streams.events)).state.messages;
  } finally {
    await nc.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "hrvend-registry-"));
  tdb = await testDatabase(iso);
  const nc = await natsConnect({ servers: iso.servers.natsUrl });
  await ensureStreams(await jetstreamManager(nc), streams);
  await nc.close();
  writeFileSync(join(dir, "registry.pw"), "registry-pw", { mode: 0o600 });
  writeFileSync(join(dir, "wrong.pw"), "not-it", { mode: 0o600 });
  await mqttAccounts(iso, [
    {
      username: `${iso.tag}-gw`,
      password: "gw",
      subscribe: [`hr/v1/${PA}/#`, `hr/v1/${PB}/#`, `hr/v1/programme/#`],
    },
    sourceUser("+", "registry", SRC, "registry-pw"),
    sourceUser("+", "registry", SRC2, "registry-pw"),
    // A machine's account, to try publishing the registry with the wrong credentials.
    sourceUser(PA, "machine", M1, "m1-pw"),
  ]);
  services.push(
    await startService(
      "gateway",
      {
        GATEWAY_ID: iso.tag,
        MQTT_URL: iso.servers.mqttUrl,
        MQTT_USERNAME: `${iso.tag}-gw`,
        MQTT_PASSWORD: "gw",
        MQTT_SHARE_GROUP: `ingest-${iso.tag}`,
        MQTT_FILTERS: `hr/v1/${PA}/#,hr/v1/${PB}/#,hr/v1/programme/registry/${SRC}/#,hr/v1/programme/registry/${SRC2}/#`,
        MQTT_CONNECTIONS: "2",
        NATS_URL: iso.servers.natsUrl,
        EVENTS_STREAM: streams.events,
        EVENTS_SUBJECTS: streams.eventSubjects.join(","),
        DEAD_STREAM: streams.dead,
        DEAD_SUBJECT_PREFIX: streams.deadPrefix,
        METRICS_PORT: "0",
      },
      `registry-gateway-${iso.tag}`,
    ),
  );
  services.push(
    await startService("recorder", {
      NATS_URL: iso.servers.natsUrl,
      DATABASE_URL: tdb.roleUrl("hrvend_writer"),
      EVENTS_STREAM: streams.events,
      DEAD_STREAM: streams.dead,
      CONSUMER: `recorder-${iso.tag}`,
      METRICS_PORT: "0",
    }),
  );
}, 300_000);

afterAll(async () => {
  for (const s of services.reverse()) await s.kill("SIGTERM").catch(() => undefined);
  await tdb?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("hrvend registry apply", () => {
  it("a file with problems applies nothing and names each problem with its line", async () => {
    const bad = file()
      .replace("timeZone: Europe/Chisinau", "timeZone: Europe/Atlantis")
      .replace("capacity: 200", "capacity: -1")
      .replace("item: kit, capacity: 40 }\n      - id", "item: knife, capacity: 40 }\n      - id");
    const r = await apply(bad);
    expect(r.code).toBe(1);
    // Expected lines: where each broken value sits in the file itself.
    const lineOf = (needle: string, after = 0) => {
      const ls = bad.split("\n");
      return ls.findIndex((l, n) => n >= after && l.includes(needle)) + 1;
    };
    const lines = r.stderr.split("\n").filter((l) => /registry-\w+\.yaml:\d+:/.test(l));
    expect(
      lines.map((l) =>
        l
          .replace(/^\s*registry-\w+\.yaml:/, "")
          .split(": ")
          .slice(0, 2)
          .join(": "),
      ),
    ).toEqual([
      `${lineOf("Europe/Atlantis")}: prison ${PA}`,
      `${lineOf("item: knife")}: machine ${M1} slot s1`,
      `${lineOf("capacity: -1")}: prison ${PB}`,
    ]);
    expect(r.stderr).toContain("nothing was applied");
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await streamCount()).toBe(0);
  });

  it("publishes what the file says once, with seqs that keep rising from another host", async () => {
    const first = await apply(file());
    expect(first.code, first.stderr).toBe(0);
    const rows = await recorded();
    expect(rows.map((r) => [r.kind, r.entity])).toEqual([
      ["ref_item", "kit"],
      ["ref_prison", PA],
      ["ref_machine", M1],
      ["ref_machine", M2],
      ["ref_prison", PB],
    ]);
    // Same file, another admin host (its own empty state dir): nothing to publish.
    const again = await apply(file(), [], "other-host");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("nothing to publish");
    expect(await streamCount()).toBe(5);

    const changed = await apply(file({ capacity: 320 }), [], "other-host");
    expect(changed.code, changed.stderr).toBe(0);
    expect(changed.stdout).toContain(`~ prison ${PA}: capacity: 300 → 320`);
    const after = await recorded();
    expect(after).toHaveLength(6);
    expect(after[5]?.seq).toBeGreaterThan(Math.max(...rows.map((r) => r.seq)));
    expect(await sql`SELECT 1 FROM ingest.dead_letter`.execute(tdb.db).then((r) => r.rows.length)).toBe(0);
  });

  it("--dry-run prints the diff and publishes nothing; a machine left out is deactivated", async () => {
    const before = await streamCount();
    const dry = await apply(file({ capacity: 320, m2: false }), ["--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(`- machine ${M2} (prison ${PA}): active: true → false (not in the file)`);
    expect(await streamCount()).toBe(before);
    const r = await apply(file({ capacity: 320, m2: false }));
    expect(r.code, r.stderr).toBe(0);
    expect((await recorded()).at(-1)).toMatchObject({ kind: "ref_machine", entity: M2, active: "false" });
  });

  it("a wrong password or another source's account is a clear error and publishes nothing", async () => {
    const before = await streamCount();
    const wrong = await apply(file({ capacity: 999 }), ["--mqtt-password-file", join(dir, "wrong.pw")]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^hrvend: .*(Not authorized|Bad User Name or Password)/im);
    writeFileSync(join(dir, "m1.pw"), "m1-pw");
    const missing = await hrvend(
      [
        "registry",
        "apply",
        join(dir, "m.yaml"),
        "--source",
        M1,
        "--database-url",
        tdb.roleUrl("hrvend_writer"),
        "--mqtt-url",
        iso.servers.mqttUrl,
        "--mqtt-password-file",
        join(dir, "m1.pw"),
      ],
      { HRVEND_STATE_DIR: join(dir, "state") },
    );
    writeFileSync(join(dir, "m.yaml"), file());
    const refused = await hrvend(
      [
        "registry",
        "apply",
        join(dir, "m.yaml"),
        "--source",
        M1,
        "--database-url",
        tdb.roleUrl("hrvend_writer"),
        "--mqtt-url",
        iso.servers.mqttUrl,
        "--mqtt-password-file",
        join(dir, "m1.pw"),
      ],
      { HRVEND_STATE_DIR: join(dir, "state") },
    );
    expect(missing.code).toBe(1); // the file does not exist yet: a one-line error
    expect(missing.stderr).toMatch(/^hrvend: cannot read .*m\.yaml: ENOENT/m);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the broker refused ref_item .*135|Not authorized/i);
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await streamCount()).toBe(before);
  });

  it("what the gateway refuses is not waited for in silence: another registry source cannot take a machine over", async () => {
    const f = join(dir, "takeover.yaml");
    writeFileSync(f, file({ capacity: 320, m2: false }));
    const r = await hrvend(
      [
        "registry",
        "apply",
        f,
        "--source",
        SRC2,
        "--database-url",
        tdb.roleUrl("hrvend_writer"),
        "--mqtt-url",
        iso.servers.mqttUrl,
        "--mqtt-password-file",
        join(dir, "registry.pw"),
        "--wait",
        "15",
      ],
      { HRVEND_STATE_DIR: join(dir, "state") },
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(
      `refused by the gateway: wrong_source_type: the machine in this ref_machine is registered by registry source '${SRC}'`,
    );
    expect(r.stderr).toContain("the recorder has not stored 1 of them");
    // The first source still owns the machine: nothing from the second one about it was stored.
    const owners = await sql<{ source_id: string }>`
      SELECT source_id FROM ingest.raw_event WHERE kind = 'ref_machine' AND payload->>'machineId' = ${M1}`.execute(
      tdb.db,
    );
    expect(owners.rows.map((x) => x.source_id)).toEqual([SRC]);
  });
});
