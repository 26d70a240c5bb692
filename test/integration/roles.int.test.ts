import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeEvents } from "@hrvend/recorder";
import { createDb, type Database, grantAdmin, withCredentials } from "@hrvend/runtime/db";
import { type Kysely, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hrvend } from "../support/cli";
import { isolate, type TestDatabase, testDatabase } from "../support/isolate";

/**
 * One access boundary per audience (docs/architecture.md §Privacy and security; migration
 * 0010_audiences). The catalog says what each role can read, write and execute, over every
 * relation, column, function and schema of the database; the test compares that with the allowed
 * set written here (not derived from the migration). Then it tries, as each role would, to read
 * what it must not, and counts the rows each prison's administration login sees.
 */

const iso = isolate("roles");
let tdb: TestDatabase;
const open: Kysely<any>[] = [];
const LOGINS_EXTRA: string[] = [];
afterAll(async () => {
  for (const db of open) await db.destroy().catch(() => undefined);
  // Roles are cluster-wide: drop this file's staff logins (they own nothing, hold only membership).
  for (const login of [...Object.values(LOGINS), ...LOGINS_EXTRA])
    await sql`DROP ROLE IF EXISTS ${sql.id(login)}`.execute(tdb.db).catch(() => undefined);
  await tdb?.close();
});
const as = (url: string) => {
  const db = createDb(url, { max: 1 });
  open.push(db);
  return db;
};

// ---- fixture: three prisons; staff of A, of B, of both; nobody is granted C ----
const A = iso.prison("a");
const B = iso.prison("b");
const C = iso.prison("c");
const LOGINS = { a: `${iso.tag}_staff_a`, b: `${iso.tag}_staff_b`, ab: `${iso.tag}_staff_ab` } as const;
const machines = [
  { machine: "ma1", prison: A },
  { machine: "ma2", prison: A },
  { machine: "mb1", prison: B },
  { machine: "mc1", prison: C },
  { machine: "mc2", prison: C },
  { machine: "mc3", prison: C },
];
const SLOTS = ["s1", "s2"];
const alerts = [
  { machine: "ma1", type: "stockout" },
  { machine: "ma2", type: "offline" },
  { machine: "ma2", type: "door_open" },
  { machine: "mb1", type: "temperature" },
  { machine: "mc1", type: "stockout" },
  { machine: "mc3", type: "tamper" },
];
/** Level changes per slot, at these hours (distinct hours: one hourly minimum each). */
const CHANGE_HOURS = [1, 3, 5];
const HEARTBEATS = 4;
const T0 = Date.parse("2026-05-01T00:00:00Z");
const hour = (h: number) => new Date(T0 + h * 3_600_000).toISOString();
const prisonOf = (m: string) => machines.find((x) => x.machine === m)?.prison as string;
/** A card token and an OAT client token that exist in the database (so a leak could be found). */
const CARD_TOKEN = "Zm9yYmlkZGVuLWNhcmQtdG9rZW4";
const CLIENT_TOKEN = "Zm9yYmlkZGVuLWNsaWVudC10b2s";

/** A raw event as the recorder stores it (its own write path: raw_event and the operator's counts). */
const raw = (
  time: string,
  sourceId: string,
  seq: number,
  prisonId: string,
  kind: string,
  payload: object,
) => ({
  key: `${sourceId}:${seq}`,
  time,
  prisonId,
  sourceId,
  seq,
  kind,
  digest: `d${seq}`,
  payload: JSON.stringify(payload),
});
type Raw = ReturnType<typeof raw>;
const record = (db: Kysely<any>, records: Raw[]) =>
  writeEvents(db as Kysely<Database>, records, undefined, new Date(T0));

async function seed(db: Kysely<any>) {
  const events: Raw[] = [];
  for (const p of [A, B, C])
    await sql`INSERT INTO reorder.prison (prison_id, name, time_zone, capacity, ref_seq)
      VALUES (${p}, ${`Prison ${p}`}, 'Europe/Chisinau', 300, 1)`.execute(db);
  await sql`INSERT INTO stock.item (item_id, info) VALUES ('syringe-kit', '{"category":"syringe_kit"}')`.execute(
    db,
  );
  let seq = 0;
  for (const { machine, prison } of machines) {
    await sql`INSERT INTO reorder.machine (machine_id, prison_id, location, active, ref_seq)
      VALUES (${machine}, ${prison}, 'wing', true, 1)`.execute(db);
    await sql`INSERT INTO stock.machine_health (machine_id, prison_id, status, last_seen_at, temperature_c)
      VALUES (${machine}, ${prison}, 'online', ${hour(6)}::timestamptz, 21.5)`.execute(db);
    for (const slot of SLOTS) {
      await sql`INSERT INTO stock.slot (machine_id, slot_id, prison_id, item_id, capacity, level, level_at)
        VALUES (${machine}, ${slot}, ${prison}, 'syringe-kit', 20, 7, ${hour(5)}::timestamptz)`.execute(db);
      for (const h of CHANGE_HOURS) {
        seq += 1;
        await sql`INSERT INTO stock.level_change (device_time, event_key, prison_id, machine_id, slot_id, item_id, seq, level, delta, cause)
          VALUES (${hour(h)}::timestamptz, ${`${machine}:${seq}`}, ${prison}, ${machine}, ${slot}, 'syringe-kit', ${seq}, ${10 - h}, -1, 'dispense')`.execute(
          db,
        );
      }
    }
    for (let i = 0; i < HEARTBEATS; i++) {
      seq += 1;
      events.push(raw(hour(i), machine, seq, prison, "heartbeat", { temperatureC: 20 + i }));
    }
    seq += 1;
    events.push(raw(hour(2), machine, seq, prison, "dispense", { cardToken: CARD_TOKEN, slotId: "s1" }));
  }
  for (const [i, a] of alerts.entries())
    await sql`INSERT INTO stock.alert (alert_id, prison_id, machine_id, type, detail, raised_at)
      VALUES (${`al${i}`}, ${prisonOf(a.machine)}, ${a.machine}, ${a.type}, 'x', ${hour(i)}::timestamptz)`.execute(
      db,
    );
  // The coverage service's per-card tables hold tokens: no audience may read them.
  await sql`INSERT INTO coverage.card (scope, card_token, first_date) VALUES (${A}, ${CARD_TOKEN}, '2026-05-01')`.execute(
    db,
  );
  await sql`INSERT INTO coverage.oat_event (event_key, prison_id, client_token, action, at, local_date, seq)
    VALUES ('hu:1', ${A}, ${CLIENT_TOKEN}, 'enrol', ${hour(1)}::timestamptz, '2026-05-01', 1)`.execute(db);
  events.push(raw(hour(1), "hu", 1, A, "oat", { clientToken: CLIENT_TOKEN }));
  await record(db, events);
}

// ---- the allowed set, per audience ----
/** Relations an audience reads whole ("*") or column by column. */
type Allowed = Record<string, "*" | string[]>;
const ADMIN_READS: Allowed = {
  "administration.prison": "*",
  "administration.machine": "*",
  "administration.item": "*",
  "administration.slot_stock": "*",
  "administration.machine_health": "*",
  "administration.alert": "*",
  // Nothing else: the views read SECURITY DEFINER functions (migration 0015), so no base table, its
  // rows under RLS or its planner statistics are reachable.
};
const ALLOWED: Record<string, { reads: Allowed | "schema funder"; functions: string[]; schemas: string[] }> =
  {
    hrvend_admin_national: {
      reads: ADMIN_READS,
      functions: [
        "access.admin_prisons()",
        "administration.alert_rows()",
        "administration.item_rows()",
        "administration.machine_health_rows()",
        "administration.machine_rows()",
        "administration.prison_rows()",
        "administration.slot_stock_rows()",
        "administration.machine_temperature(timestamp with time zone,timestamp with time zone)",
        "administration.slot_availability(timestamp with time zone,timestamp with time zone)",
        "administration.stock_level_hourly(timestamp with time zone,timestamp with time zone)",
      ],
      schemas: ["access", "administration"],
    },
    hrvend_outreach: {
      reads: Object.fromEntries(
        [
          "restock_plan_line",
          "restock_pick_list",
          "slot_forecast",
          "lot_expiry",
          "dispense_daily",
          "slot_stock",
          "prison",
          "machine",
          "item",
        ].map((v) => [`reporting.${v}`, "*"]),
      ),
      functions: [],
      schemas: ["reporting"],
    },
    hrvend_operator: {
      reads: Object.fromEntries(
        [
          "dead_letter_recent",
          "consumer_position",
          "parked_message",
          "stock_seq_gap",
          "machine_health",
          "prison",
          "machine",
        ].map((v) => [`reporting.${v}`, "*"]),
      ),
      // Ingest counts through definer functions (migrations 0016, 0017) over the recorder's hourly
      // counts, never ingest.raw_event; alert notifications' delivery (0021).
      functions: [
        "reporting.notifier_outbox()",
        "reporting.pipeline_counts(timestamp with time zone,timestamp with time zone,interval)",
        "reporting.pipeline_latest()",
      ],
      schemas: ["reporting"],
    },
    // The protected publication: whatever schema funder holds (helper migrations publish into it), nothing else.
    hrvend_funder: { reads: "schema funder", functions: [], schemas: ["funder"] },
    // The one role every dashboard used to share: nothing any more.
    hrvend_grafana: { reads: {}, functions: [], schemas: [] },
  };
// Staff logins inherit exactly the administration set.
for (const login of Object.values(LOGINS)) ALLOWED[login] = ALLOWED["hrvend_admin_national"]!;

/** Columns no audience may read, whatever the relation. */
const FORBIDDEN_COLUMN = /token|uid|excerpt|\.payload$|\.data$|\.state$|\.seq_order$|\.event$/i;

// ---- what the catalog says ----
/** Every relation (tables, views, matviews, partitioned, foreign, sequences) in every schema, with the columns `role` may SELECT. */
async function readable(role: string): Promise<Map<string, string[]>> {
  const r = await sql<{ rel: string; kind: string; cols: string[] | null; whole: boolean }>`
    SELECT format('%s.%s', n.nspname, c.relname) AS rel, c.relkind::text AS kind,
           has_table_privilege(${role}, c.oid, 'SELECT') AS whole,
           (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
               AND has_column_privilege(${role}, c.oid, a.attnum, 'SELECT')) AS cols
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f', 'S')
      AND has_schema_privilege(${role}, n.oid, 'USAGE')`.execute(tdb.db);
  const out = new Map<string, string[]>();
  for (const row of r.rows) {
    if (row.kind === "S") {
      if (row.whole) out.set(row.rel, ["<sequence>"]);
    } else if (row.cols && row.cols.length > 0) out.set(row.rel, row.cols);
  }
  return out;
}

/** Every function or procedure in every schema `role` may call (EXECUTE and USAGE on its schema). */
async function callable(role: string): Promise<Map<string, boolean>> {
  const r = await sql<{ fn: string; definer: boolean }>`
    SELECT format('%s.%s(%s)', n.nspname, p.proname, replace(oidvectortypes(p.proargtypes), ', ', ',')) AS fn,
           p.prosecdef AS definer
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE has_function_privilege(${role}, p.oid, 'EXECUTE') AND has_schema_privilege(${role}, n.oid, 'USAGE')`.execute(
    tdb.db,
  );
  return new Map(r.rows.map((x) => [x.fn, x.definer]));
}

async function usableSchemas(role: string): Promise<Set<string>> {
  const r = await sql<{ nspname: string }>`
    SELECT nspname FROM pg_namespace WHERE has_schema_privilege(${role}, oid, 'USAGE')`.execute(tdb.db);
  return new Set(r.rows.map((x) => x.nspname));
}

const minus = <T>(a: Map<string, T> | Set<string>, b: Map<string, unknown> | Set<string>) =>
  [...a.keys()].filter((k) => !b.has(k)).sort();

/** PUBLIC's own reach: what every role gets without a grant of ours. */
let publicReads: Map<string, string[]>;
let publicCalls: Map<string, boolean>;
let publicSchemas: Set<string>;
const OUR_SCHEMAS = [
  "ingest",
  "reporting",
  "funder",
  "stock",
  "reorder",
  "coverage",
  "access",
  "administration",
  "ops",
  "notifier",
];

beforeAll(async () => {
  tdb = await testDatabase(iso);
  await seed(tdb.db);
  const pw = iso.servers.rolePassword;
  await grantAdmin(tdb.db, LOGINS.a, [A], pw);
  await grantAdmin(tdb.db, LOGINS.b, [B], pw);
  await grantAdmin(tdb.db, LOGINS.ab, [A, B], pw);
  publicReads = await readable("public");
  publicCalls = await callable("public");
  publicSchemas = await usableSchemas("public");
});

const loginUrl = (login: string) => withCredentials(tdb.adminUrl, login, iso.servers.rolePassword);

describe("what PUBLIC (every role) reaches without a grant of ours", () => {
  it("reads no relation of ours and no hypertable chunk: only PostgreSQL's and TimescaleDB's catalogs", () => {
    const outside = [...publicReads.keys()].filter(
      (r) => !/^(pg_catalog|information_schema|_timescaledb_\w+|timescaledb_\w+)\./.test(r),
    );
    expect(outside).toEqual([]);
    expect([...publicReads.keys()].filter((r) => OUR_SCHEMAS.includes(r.split(".")[0]!))).toEqual([]);
    expect([...publicReads.keys()].filter((r) => /\._hyper_\d+_\d+_chunk$/.test(r))).toEqual([]);
    expect(minus(publicSchemas, new Set())).not.toContain("coverage");
  });

  it("calls no function of ours; the only SECURITY DEFINER function it may call outside pg_catalog is TimescaleDB's continuous-aggregate watermark (no continuous aggregate exists in the Apache edition)", () => {
    const ours = [...publicCalls.keys()].filter((f) => OUR_SCHEMAS.includes(f.split(".")[0]!));
    expect(ours).toEqual([]);
    const definers = [...publicCalls.entries()]
      .filter(([f, d]) => d && !f.startsWith("pg_catalog."))
      .map(([f]) => f.replace(/\(.*$/, ""));
    expect(definers.filter((f) => f !== "_timescaledb_functions.cagg_migrate_update_watermark")).toEqual([]);
  });
});

describe("each audience reads, calls and uses exactly its allowed set", () => {
  for (const role of [
    "hrvend_admin_national",
    "hrvend_outreach",
    "hrvend_operator",
    "hrvend_funder",
    "hrvend_grafana",
    "staff_a",
  ]) {
    it(`${role}: relations and columns`, async () => {
      const login = role === "staff_a" ? LOGINS.a : role;
      const allowed = ALLOWED[login]!;
      const have = await readable(login);
      const own = new Map([...have].filter(([rel]) => !publicReads.has(rel)));
      let want: Allowed;
      if (allowed.reads === "schema funder") {
        const r = await sql<{ rel: string }>`
          SELECT format('funder.%s', relname) AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'funder' AND c.relkind IN ('r', 'v', 'm')`.execute(tdb.db);
        expect(r.rows.length).toBeGreaterThan(0);
        want = Object.fromEntries(r.rows.map((x) => [x.rel, "*"]));
      } else want = allowed.reads;
      expect([...own.keys()].sort()).toEqual(Object.keys(want).sort());
      for (const [rel, cols] of own) {
        const w = want[rel];
        if (w !== "*") expect(cols, rel).toEqual(w);
        else {
          // whole relation: every column
          const all = await sql<{ n: number }>`
            SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = ${rel}::regclass AND attnum > 0 AND NOT attisdropped`.execute(
            tdb.db,
          );
          expect(cols.length, rel).toBe(all.rows[0]?.n);
        }
        for (const c of cols) expect(`${rel}.${c}`).not.toMatch(FORBIDDEN_COLUMN);
        expect(rel.split(".")[0], rel).not.toBe("coverage");
        expect(rel.split(".")[0], rel).not.toBe("ingest");
      }
    });

    it(`${role}: functions and schemas; no write, no create anywhere`, async () => {
      const login = role === "staff_a" ? LOGINS.a : role;
      const allowed = ALLOWED[login]!;
      expect(minus(await callable(login), publicCalls)).toEqual([...allowed.functions].sort());
      expect(minus(await usableSchemas(login), publicSchemas)).toEqual([...allowed.schemas].sort());
      const writes = await sql<{ rel: string }>`
        SELECT format('%s.%s', n.nspname, c.relname) AS rel
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE (c.relkind IN ('r', 'v', 'm', 'p', 'f')
               AND has_table_privilege(${login}, c.oid, 'INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER'))
           OR (c.relkind = 'S' AND has_sequence_privilege(${login}, c.oid, 'USAGE,UPDATE'))
           OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                      AND has_column_privilege(${login}, c.oid, a.attnum, 'INSERT,UPDATE,REFERENCES'))`.execute(
        tdb.db,
      );
      // PUBLIC may UPDATE pg_catalog.pg_settings: that is SET for its own session, nothing stored.
      expect(writes.rows.map((r) => r.rel)).toEqual(["pg_catalog.pg_settings"]);
      const creates = await sql<{ nspname: string }>`
        SELECT nspname FROM pg_namespace WHERE has_schema_privilege(${login}, oid, 'CREATE')`.execute(tdb.db);
      expect(creates.rows).toEqual([]);
      const dbCreate = await sql<{ ok: boolean }>`
        SELECT has_database_privilege(${login}, current_database(), 'CREATE') AS ok`.execute(tdb.db);
      expect(dbCreate.rows[0]?.ok).toBe(false);
    });
  }

  it("hrvend_grafana, the role every dashboard used to share, can no longer log in", async () => {
    const r = await sql<{
      rolcanlogin: boolean;
    }>`SELECT rolcanlogin FROM pg_roles WHERE rolname = 'hrvend_grafana'`.execute(tdb.db);
    expect(r.rows[0]?.rolcanlogin).toBe(false);
  });
});

describe("the notifier's own role (migration 0021_notifier)", () => {
  it("hrvend_notifier reads its schema and prison time zones, writes only its own tables, calls and creates nothing", async () => {
    const have = new Map([...(await readable("hrvend_notifier"))].filter(([rel]) => !publicReads.has(rel)));
    const whole = [
      "notifier.alert",
      "notifier.outbox",
      "notifier.rejected_alert",
      "notifier.stream_position",
    ];
    expect([...have.keys()].sort()).toEqual([...whole, "reorder.prison"].sort());
    expect(have.get("reorder.prison")).toEqual(["prison_id", "time_zone"]);
    expect(minus(await callable("hrvend_notifier"), publicCalls)).toEqual([]);
    expect(minus(await usableSchemas("hrvend_notifier"), publicSchemas)).toEqual(["notifier", "reorder"]);
    const writes = await sql<{ rel: string; priv: string }>`
      SELECT format('%s.%s', n.nspname, c.relname) AS rel, p.priv
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) AS p(priv)
      WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND n.nspname <> 'pg_catalog'
        AND has_table_privilege('hrvend_notifier', c.oid, p.priv)
      ORDER BY 1, 2`.execute(tdb.db);
    expect(writes.rows.map((r) => `${r.rel} ${r.priv}`)).toEqual([
      "notifier.alert INSERT",
      "notifier.alert UPDATE",
      "notifier.outbox INSERT",
      "notifier.outbox UPDATE",
      "notifier.rejected_alert INSERT",
      "notifier.stream_position INSERT",
      "notifier.stream_position UPDATE",
    ]);
    const creates = await sql<{ nspname: string }>`
      SELECT nspname FROM pg_namespace WHERE has_schema_privilege('hrvend_notifier', oid, 'CREATE')`.execute(
      tdb.db,
    );
    expect(creates.rows).toEqual([]);
    // Through its login: every prison's time zone (row-level security lets it), nothing more.
    const db = as(tdb.roleUrl("hrvend_notifier"));
    const zones = await sql<{ n: number }>`SELECT count(*)::int AS n FROM reorder.prison`.execute(db);
    expect(zones.rows[0]?.n).toBe(3);
    for (const rel of [
      "stock.alert",
      "ingest.stream_position",
      "ops.parked_message",
      "coverage.card",
      "reorder.machine",
    ])
      await expect(sql`SELECT * FROM ${sql.raw(rel)} LIMIT 1`.execute(db), rel).rejects.toThrow(
        /permission denied/,
      );
  });
});

describe("the comparison fails on a planted leak (so a passing run means something)", () => {
  it("an extra grant, a column beyond the allowed ones, a hypertable grant (its chunks) and a PUBLIC function are each caught", async () => {
    const own = async (role: string) =>
      new Map([...(await readable(role))].filter(([rel]) => !publicReads.has(rel)));
    const plants: {
      grant: string;
      revoke: string;
      role: string;
      caught: (m: Map<string, string[]>) => boolean;
    }[] = [
      {
        grant:
          "GRANT USAGE ON SCHEMA reporting TO hrvend_funder; GRANT SELECT ON reporting.dispense_daily TO hrvend_funder",
        revoke:
          "REVOKE SELECT ON reporting.dispense_daily FROM hrvend_funder; REVOKE USAGE ON SCHEMA reporting FROM hrvend_funder",
        role: "hrvend_funder",
        caught: (m) => m.has("reporting.dispense_daily"),
      },
      {
        grant:
          "GRANT USAGE ON SCHEMA stock TO hrvend_admin; GRANT SELECT (lots) ON stock.slot TO hrvend_admin",
        revoke:
          "REVOKE SELECT (lots) ON stock.slot FROM hrvend_admin; REVOKE USAGE ON SCHEMA stock FROM hrvend_admin",
        role: LOGINS.a,
        caught: (m) => (m.get("stock.slot") ?? []).includes("lots"),
      },
      {
        grant: "GRANT SELECT ON stock.level_change TO hrvend_admin",
        revoke: "REVOKE SELECT ON stock.level_change FROM hrvend_admin",
        role: LOGINS.a,
        caught: (m) => [...m.keys()].some((r) => /^_timescaledb_internal\._hyper_/.test(r)),
      },
    ];
    for (const p of plants) {
      await sql.raw(p.grant).execute(tdb.db);
      try {
        const m = await own(p.role);
        expect(p.caught(m), p.grant).toBe(true);
        // …and the allowed-set comparison the audience tests make would fail.
        const want = ALLOWED[p.role]!.reads;
        const keys = want === "schema funder" ? ["funder.coverage"] : Object.keys(want);
        const same =
          [...m.keys()].sort().join() === [...keys].sort().join() &&
          [...m].every(
            ([rel, cols]) =>
              want === "schema funder" || want[rel] === "*" || cols.join() === (want[rel] as string[]).join(),
          );
        expect(same, p.grant).toBe(false);
      } finally {
        await sql.raw(p.revoke).execute(tdb.db);
      }
    }
    // A function of ours left executable by PUBLIC shows up in PUBLIC's reach.
    await sql`GRANT EXECUTE ON FUNCTION reporting.minutes(tstzmultirange) TO PUBLIC`.execute(tdb.db);
    await sql`GRANT USAGE ON SCHEMA reporting TO PUBLIC`.execute(tdb.db);
    try {
      expect([...(await callable("public")).keys()]).toContain("reporting.minutes(tstzmultirange)");
    } finally {
      await sql`REVOKE USAGE ON SCHEMA reporting FROM PUBLIC`.execute(tdb.db);
      await sql`REVOKE EXECUTE ON FUNCTION reporting.minutes(tstzmultirange) FROM PUBLIC`.execute(tdb.db);
    }
  });
});

/** The operator's ingest counts (migration 0016), as a relation another audience must be refused. */
const PIPELINE_COUNTS = "reporting.pipeline_counts(now() - interval '1 year', now(), interval '1 hour')";

describe("as an attacker with each audience's login", () => {
  const AUDIENCE_LOGINS = [
    "hrvend_admin_national",
    "hrvend_outreach",
    "hrvend_operator",
    "hrvend_funder",
  ] as const;

  it("no audience reads the per-card tables, raw events, dead-letter payloads or another audience's objects", async () => {
    const others: Record<(typeof AUDIENCE_LOGINS)[number], string[]> = {
      hrvend_admin_national: [
        "reporting.slot_stock",
        "reporting.dispense_daily",
        "funder.coverage",
        PIPELINE_COUNTS,
      ],
      hrvend_outreach: [
        "administration.slot_stock",
        "funder.coverage",
        PIPELINE_COUNTS,
        "reporting.stock_level_change",
      ],
      hrvend_operator: [
        "reporting.dispense_daily",
        "reporting.restock_plan_line",
        "funder.coverage",
        "reporting.ingest_event",
        "reporting.ingest_hourly",
      ],
      hrvend_funder: [
        "reporting.dispense_daily",
        "reporting.stock_level_change",
        "reporting.ingest_event",
        "administration.alert",
        PIPELINE_COUNTS,
      ],
    };
    for (const role of AUDIENCE_LOGINS) {
      const db = as(tdb.roleUrl(role));
      for (const rel of [
        "coverage.card",
        "coverage.card_period",
        "coverage.oat_event",
        "coverage.pending",
        "coverage.dispense_day",
        "ingest.raw_event",
        "ingest.dead_letter",
        "ingest.dead_letter_shown",
        "ingest.event_count",
        "ops.parked_message",
        "ops.parked_shown",
        "stock.level_change",
        "stock.machine_state",
        ...others[role],
      ])
        await expect(
          sql`SELECT * FROM ${sql.raw(rel)} LIMIT 1`.execute(db),
          `${role} ${rel}`,
        ).rejects.toThrow(/permission denied/);
      await expect(
        sql`SELECT * FROM reporting.slot_availability(now() - interval '1 year', now())`.execute(db),
        role,
      ).rejects.toThrow(/permission denied/);
    }
  });

  it("no audience can write: inserting, updating or deleting through what it reads fails", async () => {
    const targets: Record<(typeof AUDIENCE_LOGINS)[number], string> = {
      hrvend_admin_national: "stock.alert",
      hrvend_outreach: "reporting.slot_stock",
      hrvend_operator: "reporting.consumer_position",
      hrvend_funder: "funder.coverage",
    };
    for (const role of AUDIENCE_LOGINS) {
      const db = as(tdb.roleUrl(role));
      const t = sql.raw(targets[role]);
      await expect(sql`DELETE FROM ${t}`.execute(db), role).rejects.toThrow(
        /permission denied|cannot delete from view/,
      );
      await expect(sql`INSERT INTO ${t} DEFAULT VALUES`.execute(db), role).rejects.toThrow(
        /permission denied|cannot insert into view/,
      );
      await expect(sql`CREATE TABLE public.x_${sql.raw(role)} (a int)`.execute(db), role).rejects.toThrow(
        /permission denied/,
      );
      await expect(
        sql`INSERT INTO access.admin_prison (login, prison_id) VALUES (current_user, '*')`.execute(db),
        role,
      ).rejects.toThrow(/permission denied/);
    }
  });

  it("nothing any audience can read holds a card or client token, read whole", async () => {
    for (const role of [...AUDIENCE_LOGINS, LOGINS.a]) {
      const url = role.startsWith("hrvend_")
        ? tdb.roleUrl(role as (typeof AUDIENCE_LOGINS)[number])
        : loginUrl(role);
      const db = as(url);
      const mine = await readable(role);
      for (const [rel, cols] of mine) {
        if (publicReads.has(rel)) continue;
        const r =
          await sql`SELECT ${sql.raw(cols.map((c) => `"${c}"`).join(", "))} FROM ${sql.raw(rel)}`.execute(db);
        const text = JSON.stringify(r.rows);
        expect(text, `${role} ${rel}`).not.toContain(CARD_TOKEN);
        expect(text, `${role} ${rel}`).not.toContain(CLIENT_TOKEN);
      }
    }
  });

  it("no audience counts a table's rows through PostgreSQL's statistics (e.g. OAT register events as they come)", async () => {
    // By number: a cast of 'coverage.oat_event' would already fail on the schema.
    const oids = await sql<{ oat: number; card: number }>`
      SELECT 'coverage.oat_event'::regclass::oid::int AS oat, 'coverage.card'::regclass::oid::int AS card`.execute(
      tdb.db,
    );
    const { oat, card } = oids.rows[0]!;
    for (const role of [...AUDIENCE_LOGINS, LOGINS.a]) {
      const db = as(
        role.startsWith("hrvend_") ? tdb.roleUrl(role as (typeof AUDIENCE_LOGINS)[number]) : loginUrl(role),
      );
      for (const q of [
        sql`SELECT n_tup_ins FROM pg_stat_all_tables WHERE relname = 'oat_event'`,
        sql`SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'card'`,
        sql`SELECT n_tup_ins FROM pg_stat_xact_all_tables WHERE relname = 'oat_event'`,
        sql`SELECT heap_blks_read FROM pg_statio_all_tables WHERE relname = 'card'`,
        sql`SELECT idx_tup_read FROM pg_stat_all_indexes WHERE relname = 'oat_event'`,
        sql`SELECT pg_stat_get_tuples_inserted(${oat}::oid)`,
        sql`SELECT pg_stat_get_live_tuples(${card}::oid)`,
      ])
        await expect(q.execute(db), role).rejects.toThrow(/permission denied/);
    }
    // The owner still reads them (monitoring uses pg_monitor).
    const own = await sql<{
      n: string;
    }>`SELECT n_tup_ins AS n FROM pg_stat_all_tables WHERE relname = 'oat_event'`.execute(tdb.db);
    expect(own.rows.length).toBe(1);
  });

  it("operators see pipeline counts without the health unit's OAT register events", async () => {
    const db = as(tdb.roleUrl("hrvend_operator"));
    const r = await sql<{ kind: string; n: number }>`
      SELECT kind, sum(events)::int AS n
      FROM reporting.pipeline_counts(${hour(0)}::timestamptz, ${hour(24)}::timestamptz, interval '1 hour')
      GROUP BY kind ORDER BY kind`.execute(db);
    expect(r.rows).toEqual([
      { kind: "dispense", n: machines.length },
      { kind: "heartbeat", n: machines.length * HEARTBEATS },
    ]);
  });
});

describe("a prison's administration sees only its prisons, enforced in the database", () => {
  const seen = { a: [A], b: [B], ab: [A, B] } as const;
  /** What a login must count, from the fixture (not from the database). */
  const expected = (prisons: readonly string[]) => {
    const ms = machines.filter((m) => prisons.includes(m.prison));
    return {
      prisons: prisons.length,
      machines: ms.length,
      slots: ms.length * SLOTS.length,
      health: ms.length,
      alerts: alerts.filter((a) => prisons.includes(prisonOf(a.machine))).length,
      hourly: ms.length * SLOTS.length * CHANGE_HOURS.length,
      temperatures: ms.length * HEARTBEATS,
      availability: ms.length * SLOTS.length,
    };
  };

  async function counts(db: Kysely<any>) {
    const n = async (q: string) =>
      Number((await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.raw(q)}`.execute(db)).rows[0]?.n);
    const range = `('2026-04-30T00:00:00Z'::timestamptz, '2026-05-02T00:00:00Z'::timestamptz)`;
    return {
      prisons: await n("administration.prison"),
      machines: await n("administration.machine"),
      slots: await n("administration.slot_stock"),
      health: await n("administration.machine_health"),
      alerts: await n("administration.alert"),
      hourly: await n(`administration.stock_level_hourly${range}`),
      temperatures: await n(`administration.machine_temperature${range}`),
      availability: await n(`administration.slot_availability${range}`),
    };
  }

  for (const key of ["a", "b", "ab"] as const) {
    it(`staff of ${key === "ab" ? "A and B" : key.toUpperCase()}: every view and function counts only their prisons' rows`, async () => {
      const db = as(loginUrl(LOGINS[key]));
      expect(await counts(db)).toEqual(expected(seen[key]));
      // The base tables directly: refused (the views read definer functions, migration 0015).
      for (const t of [
        "stock.slot",
        "stock.alert",
        "reorder.machine",
        "stock.machine_health",
        "reorder.prison",
      ])
        await expect(sql`SELECT prison_id FROM ${sql.raw(t)}`.execute(db), t).rejects.toThrow(
          /permission denied/,
        );
      // Taking the group role does not widen it (the mapping is on the session's login).
      await sql`SET ROLE hrvend_admin`.execute(db);
      expect(await counts(db)).toEqual(expected(seen[key]));
      await sql`RESET ROLE`.execute(db);
    });
  }

  it("a staff login cannot reach another prison through a filter, a chunk, the mapping or the service's functions", async () => {
    const db = as(loginUrl(LOGINS.a));
    const other = await sql<{ n: string }>`
      SELECT count(*) AS n FROM administration.slot_stock WHERE prison_id = ${B}`.execute(db);
    expect(Number(other.rows[0]?.n)).toBe(0);
    const mine = await sql<{ p: string[] }>`SELECT access.admin_prisons() AS p`.execute(db);
    expect(mine.rows[0]?.p).toEqual([A]);
    // Every chunk of every hypertable (TimescaleDB grants chunks what their hypertable has).
    const chunks = await sql<{ c: string }>`
      SELECT format('%I.%I', chunk_schema, chunk_name) AS c FROM timescaledb_information.chunks`.execute(
      tdb.db,
    );
    expect(chunks.rows.length).toBeGreaterThan(0);
    for (const { c } of chunks.rows)
      await expect(sql`SELECT * FROM ${sql.raw(c)} LIMIT 1`.execute(db), c).rejects.toThrow(
        /permission denied/,
      );
    await expect(sql`SELECT * FROM access.admin_prison`.execute(db)).rejects.toThrow(/permission denied/);
    await expect(
      sql`UPDATE access.admin_prison SET prison_id = '*' WHERE login = current_user`.execute(db),
    ).rejects.toThrow(/permission denied/);
    await expect(sql`SELECT * FROM reorder.level_change LIMIT 1`.execute(db)).rejects.toThrow(
      /permission denied/,
    );
  });

  it("the national administration sees every prison, and a login with no prison sees nothing", async () => {
    const all = [A, B, C];
    expect(await counts(as(tdb.roleUrl("hrvend_admin_national")))).toEqual(expected(all));
    // hrvend_admin's members without a mapping row in this database (e.g. granted in another one).
    const lone = `${iso.tag}_staff_none`;
    await grantAdmin(tdb.db, lone, [C], iso.servers.rolePassword);
    await sql`DELETE FROM access.admin_prison WHERE login = ${lone}`.execute(tdb.db);
    LOGINS_EXTRA.push(lone);
    expect(await counts(as(loginUrl(lone)))).toEqual(expected([]));
  });
});

describe("hrvend access: a staff group's login from the command line", () => {
  it("grant-admin creates the login with a password only in the state dir, sees only its prison, writes its Grafana organization's files; revoke-admin takes it away", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hrvend-access-"));
    const login = `${iso.tag}_cli`;
    LOGINS_EXTRA.push(login);
    try {
      const env = { HRVEND_STATE_DIR: join(dir, "state") };
      const bad = await hrvend(
        ["access", "grant-admin", "hrvend_funder", "--prison", A, "--database-url", tdb.adminUrl],
        env,
      );
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/not one of hrvend's own roles/);
      const clash = await hrvend(
        ["access", "grant-admin", login, "--prison", B, "--database-url", tdb.adminUrl, "--grafana-org", "3"],
        env,
      );
      expect(clash.code).not.toBe(0);
      expect(clash.stderr).toMatch(/belongs to an audience/);
      const r = await hrvend(
        [
          ...["access", "grant-admin", login, "--prison", B, "--database-url", tdb.adminUrl],
          ...["--grafana-org", "7", "--provisioning-dir", join(dir, "prov")],
        ],
        env,
      );
      expect(r.code, r.stderr).toBe(0);
      const pwFile = join(dir, "state", "admin-logins", `${login}.password`);
      expect(statSync(pwFile).mode & 0o777).toBe(0o600);
      const password = readFileSync(pwFile, "utf8");
      expect(r.stdout).not.toContain(password);
      const db = as(withCredentials(tdb.adminUrl, login, password));
      const seen = await sql<{
        p: string;
      }>`SELECT prison_id AS p FROM administration.machine_health GROUP BY 1`.execute(db);
      expect(seen.rows.map((x) => x.p)).toEqual([B]);
      const ds = readFileSync(join(dir, "prov", "datasources", `hrvend-admin-${login}.yaml`), "utf8");
      expect(ds).toMatch(/^\s+uid: hrvend-administration$/m);
      expect(ds).toMatch(/^\s+orgId: 7$/m);
      expect(ds).toMatch(new RegExp(`^\\s+user: ${login}$`, "m"));
      expect(ds).toMatch(
        new RegExp(`^\\s+password: \\$\\{HRVEND_DB_PASSWORD_${login.toUpperCase()}\\}$`, "m"),
      );
      expect(ds).not.toContain(password);
      const prov = readFileSync(join(dir, "prov", "dashboards", `hrvend-admin-${login}.yaml`), "utf8");
      expect(prov).toMatch(/^\s+orgId: 7$/m);
      expect(prov).toMatch(/path: \$\{HRVEND_DASHBOARDS_DIR\}\/administration$/m);
      const list = await hrvend(["access", "list", "--database-url", tdb.adminUrl], env);
      expect(list.stdout).toContain(`${login}\t${B}`);
      const off = await hrvend(["access", "revoke-admin", login, "--database-url", tdb.adminUrl], env);
      expect(off.code, off.stderr).toBe(0);
      await db.destroy();
      const again = as(withCredentials(tdb.adminUrl, login, password));
      await expect(sql`SELECT count(*) FROM administration.machine_health`.execute(again)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("what the planner and the catalogue know tells no role what it cannot read (migration 0015)", () => {
  const AUDIENCE_LOGINS = [
    "hrvend_admin_national",
    "hrvend_outreach",
    "hrvend_operator",
    "hrvend_funder",
  ] as const;
  const urlOf = (role: string) =>
    role.startsWith("hrvend_") ? tdb.roleUrl(role as (typeof AUDIENCE_LOGINS)[number]) : loginUrl(role);
  /** Every node type and every estimate of an EXPLAIN (FORMAT JSON) plan. */
  const nodes = (plan: any): { type: string; rows: number }[] => [
    { type: plan["Node Type"], rows: plan["Plan Rows"] },
    ...((plan.Plans ?? []) as any[]).flatMap(nodes),
  ];
  const explain = async (db: Kysely<any>, q: string) => {
    const r = await sql.raw<{ "QUERY PLAN": any }>(`EXPLAIN (FORMAT JSON) ${q}`).execute(db);
    return r.rows[0]!["QUERY PLAN"][0].Plan;
  };

  it("a staff login's EXPLAIN estimates a value that only another prison has exactly as one that exists nowhere", async () => {
    // Prison C (nobody's but the national administration's) gets N machines in one secret wing,
    // each with a health row and an alert of a secret type; staff of A have 'wing' only.
    const N = 400;
    const SECRET = "SECRET-WING";
    const NOWHERE = "NOWHERE-XY"; // same length: nothing but the value differs in the query
    const planted = "secret-%";
    await sql`INSERT INTO reorder.machine (machine_id, prison_id, location, active, ref_seq)
      SELECT 'secret-' || g, ${C}, ${SECRET}, true, 1 FROM generate_series(1, ${N}::int) g`.execute(tdb.db);
    await sql`INSERT INTO stock.machine_health (machine_id, prison_id, status, last_seen_at, temperature_c, firmware)
      SELECT 'secret-' || g, ${C}, 'online', ${hour(6)}::timestamptz, 21.5, ${SECRET}
      FROM generate_series(1, ${N}::int) g`.execute(tdb.db);
    await sql`INSERT INTO stock.alert (alert_id, prison_id, machine_id, type, detail, raised_at)
      SELECT 'secret-' || g, ${C}, 'secret-' || g, ${SECRET}, ${SECRET}, ${hour(1)}::timestamptz
      FROM generate_series(1, ${N}::int) g`.execute(tdb.db);
    await sql`INSERT INTO stock.slot (machine_id, slot_id, prison_id, item_id, capacity, level, level_at)
      SELECT 'secret-' || g, 's1', ${C}, 'syringe-kit', 900000, 424242, ${hour(5)}::timestamptz
      FROM generate_series(1, ${N}::int) g`.execute(tdb.db);
    await sql`ANALYZE reorder.machine, stock.machine_health, stock.alert, stock.slot`.execute(tdb.db);
    try {
      const probes: { rel: string; where: (v: string) => string; secret: string; nowhere: string }[] = [
        {
          rel: "administration.machine",
          where: (v) => `location = '${v}'`,
          secret: SECRET,
          nowhere: NOWHERE,
        },
        {
          rel: "administration.machine_health",
          where: (v) => `firmware = '${v}'`,
          secret: SECRET,
          nowhere: NOWHERE,
        },
        { rel: "administration.alert", where: (v) => `type = '${v}'`, secret: SECRET, nowhere: NOWHERE },
        { rel: "administration.alert", where: (v) => `detail = '${v}'`, secret: SECRET, nowhere: NOWHERE },
        {
          rel: "administration.slot_stock",
          where: (v) => `level = ${v}`,
          secret: "424242",
          nowhere: "737373",
        },
        {
          rel: "administration.machine",
          where: (v) => `machine_id LIKE '${v}'`,
          secret: planted,
          nowhere: "nowher-%",
        },
      ];
      // The owner's planner does know (so the probe can see a leak): many rows against a handful.
      const owner = async (q: string) => nodes(await explain(tdb.db, q))[0]!.rows;
      expect(await owner(`SELECT * FROM reorder.machine WHERE location = '${SECRET}'`)).toBeGreaterThan(
        N / 2,
      );
      expect(await owner(`SELECT * FROM reorder.machine WHERE location = '${NOWHERE}'`)).toBeLessThan(10);
      for (const login of [LOGINS.a, LOGINS.b]) {
        const db = as(loginUrl(login));
        for (const p of probes) {
          const secret = await explain(db, `SELECT * FROM ${p.rel} WHERE ${p.where(p.secret)}`);
          const nowhere = await explain(db, `SELECT * FROM ${p.rel} WHERE ${p.where(p.nowhere)}`);
          const text = (plan: unknown, v: string) => JSON.stringify(plan).split(v).join("?");
          expect(text(secret, p.secret), `${login} ${p.rel} ${p.where("?")}`).toBe(text(nowhere, p.nowhere));
        }
        // Nor through the base tables: refused outright.
        for (const t of ["reorder.machine", "stock.machine_health", "stock.alert", "stock.slot"])
          await expect(explain(db, `SELECT 1 FROM ${t} WHERE prison_id = '${C}'`), t).rejects.toThrow(
            /permission denied/,
          );
      }
    } finally {
      for (const t of ["stock.slot", "stock.alert", "stock.machine_health", "reorder.machine"])
        await sql`DELETE FROM ${sql.raw(t)} WHERE machine_id LIKE ${planted}`.execute(tdb.db);
      await sql`ANALYZE reorder.machine, stock.machine_health, stock.alert, stock.slot`.execute(tdb.db);
    }
  });

  it("an operator's EXPLAIN of its pipeline counts is the same for a day with 300 OAT register events as for a day with 20, and the counts are exact (migrations 0016, 0017)", async () => {
    // Two UTC days, each its own chunk of ingest.raw_event (1-day chunks), far from the fixture's.
    const DAYS = ["2026-06-10", "2026-06-11"] as const;
    const OAT = { "2026-06-10": 300, "2026-06-11": 20 } as const;
    /** Non-OAT events planted per day: [minute of the day, kind]; the references below come from these. */
    const OTHER: Record<(typeof DAYS)[number], [number, string][]> = {
      "2026-06-10": [
        ...Array.from({ length: 7 }, (_, i) => [i * 60 + 10, "heartbeat"] as [number, string]),
        [125, "dispense"],
        [610, "dispense"],
      ],
      "2026-06-11": [
        ...Array.from({ length: 3 }, (_, i) => [i * 60 + 5, "heartbeat"] as [number, string]),
        ...Array.from({ length: 5 }, (_, i) => [600 + i, "dispense"] as [number, string]),
      ],
    };
    const at = (day: string, minute: number) => new Date(Date.parse(`${day}T00:00:00Z`) + minute * 60_000);
    const KEY = `${iso.tag}-probe`;
    let seq = 0;
    // Through the recorder's write path (raw events and the operator's counts), one batch a day.
    for (const day of DAYS) {
      const batch: Raw[] = [];
      // OAT events spread over the whole day, the last one after every other event planted anywhere.
      const n = OAT[day];
      for (let g = 1; g <= n; g++)
        batch.push({
          ...raw(at(day, g * (1439 / n)).toISOString(), "hu-probe", seq + g, A, "oat", {
            clientToken: CLIENT_TOKEN,
          }),
          key: `${KEY}-oat-${day}-${g}`,
        });
      seq += n;
      for (const [minute, kind] of OTHER[day]) {
        seq += 1;
        const payload = kind === "heartbeat" ? { temperatureC: 20 } : { cardToken: CARD_TOKEN, slotId: "s1" };
        batch.push({
          ...raw(at(day, minute).toISOString(), "mb1", seq, B, kind, payload),
          key: `${KEY}-${seq}`,
        });
      }
      await record(tdb.db, batch);
    }
    await sql`ANALYZE ingest.raw_event`.execute(tdb.db);
    try {
      const range = (day: string) => `'${day}T00:00:00Z'::timestamptz, '${day}T23:59:59Z'::timestamptz`;
      const between = (day: string) => range(day).replace(", ", " AND ");
      // The owner's planner knows each day's OAT count (if it did not, the probe would prove nothing).
      const ownerRows = async (day: string) =>
        nodes(
          await explain(
            tdb.db,
            `SELECT 1 FROM ingest.raw_event WHERE event_time BETWEEN ${between(day)} AND kind = 'oat'`,
          ),
        )
          .filter((x) => /Scan$/.test(x.type))
          .reduce((sum, x) => sum + x.rows, 0);
      const [many, few] = [await ownerRows(DAYS[0]), await ownerRows(DAYS[1])];
      expect(many, "owner's estimate for the 300-OAT day").toBeGreaterThan(3 * few);
      // The comparison below catches the leak 0016 closes: the old view (0010), planted back for
      // the operator, plans differently on the two days (the reviewer's query).
      await sql`CREATE VIEW reporting.pipeline_event_probe AS
        SELECT event_time, received_at, prison_id, kind FROM ingest.raw_event WHERE kind <> 'oat'`.execute(
        tdb.db,
      );
      await sql`GRANT SELECT ON reporting.pipeline_event_probe TO hrvend_operator`.execute(tdb.db);
      try {
        const old = as(tdb.roleUrl("hrvend_operator"));
        const plans = await Promise.all(
          DAYS.map((d) =>
            explain(
              old,
              `SELECT * FROM reporting.pipeline_event_probe WHERE event_time BETWEEN ${between(d)} AND kind >= 'oat' AND kind <= 'oat'`,
            ),
          ),
        );
        const text = plans.map((p, i) => JSON.stringify(p).split(DAYS[i]!).join("?"));
        expect(text[0], "the old view's plans").not.toBe(text[1]);
      } finally {
        await sql`DROP VIEW reporting.pipeline_event_probe`.execute(tdb.db);
      }

      const db = as(tdb.roleUrl("hrvend_operator"));
      const probes = [
        (d: string) =>
          `SELECT * FROM reporting.pipeline_counts(${range(d)}, interval '1 hour') WHERE kind >= 'oat' AND kind <= 'oat'`,
        (d: string) =>
          `SELECT * FROM reporting.pipeline_counts(${range(d)}, interval '1 hour') WHERE kind = 'oat'`,
        (d: string) => `SELECT sum(events) FROM reporting.pipeline_counts(${range(d)}, interval '1 day')`,
        (d: string) =>
          `SELECT * FROM reporting.pipeline_counts(${range(d)}, interval '1 minute') WHERE prison_id = '${A}'`,
      ];
      for (const probe of probes) {
        const plans = await Promise.all(DAYS.map((d) => explain(db, probe(d))));
        const text = plans.map((p, i) => JSON.stringify(p).split(DAYS[i]!).join("?"));
        expect(text[0], probe("?")).toBe(text[1]);
        const types = nodes(plans[0]).map((x) => x.type);
        expect(types, probe("?")).toContain("Function Scan");
        expect(types.filter((t) => /Scan$/.test(t) && t !== "Function Scan")).toEqual([]);
      }
      // Nothing else to plan over: the view is gone, the table and its chunks are refused.
      await expect(explain(db, "SELECT * FROM reporting.pipeline_event")).rejects.toThrow(/does not exist/);
      await expect(explain(db, `SELECT 1 FROM ingest.raw_event WHERE kind = 'oat'`)).rejects.toThrow(
        /permission denied/,
      );

      // The counts: per hour and kind, exactly the non-OAT events planted (reference from OTHER).
      for (const day of DAYS) {
        const want = new Map<string, number>();
        for (const [minute, kind] of OTHER[day]) {
          const k = `${at(day, Math.floor(minute / 60) * 60).toISOString()} ${B} ${kind}`;
          want.set(k, (want.get(k) ?? 0) + 1);
        }
        const r = await sql<{ bucket: Date; prison_id: string; kind: string; events: string }>`
          SELECT bucket, prison_id, kind, events
          FROM reporting.pipeline_counts(${`${day}T00:00:00Z`}::timestamptz, ${`${day}T23:59:59Z`}::timestamptz, interval '1 hour')`.execute(
          db,
        );
        const got = new Map(
          r.rows.map((x) => [
            `${new Date(x.bucket).toISOString()} ${x.prison_id} ${x.kind}`,
            Number(x.events),
          ]),
        );
        expect(Object.fromEntries([...got].sort()), day).toEqual(Object.fromEntries([...want].sort()));
      }
      // The latest event time ends at the latest non-OAT event, never at a later OAT one.
      const latest = await sql<{ t: Date }>`SELECT reporting.pipeline_latest() AS t`.execute(db);
      const lastOther = Math.max(...OTHER[DAYS[1]].map(([m]) => m));
      expect(new Date(latest.rows[0]!.t).toISOString()).toBe(at(DAYS[1], lastOther).toISOString());
      // Bad input: a clear error, not an empty answer.
      await expect(
        sql`SELECT * FROM reporting.pipeline_counts(now() - interval '1 day', now(), interval '0')`.execute(
          db,
        ),
      ).rejects.toThrow(/bucket must be positive/);
      await expect(
        sql`SELECT * FROM reporting.pipeline_counts(NULL, now(), interval '1 hour')`.execute(db),
      ).rejects.toThrow(/from, to and bucket are required/);
    } finally {
      await sql`DELETE FROM ingest.raw_event WHERE event_key LIKE ${`${KEY}-%`}`.execute(tdb.db);
      await sql`DELETE FROM ingest.event_key WHERE event_key LIKE ${`${KEY}-%`}`.execute(tdb.db);
      await sql`DELETE FROM ingest.event_count WHERE bucket >= ${DAYS[0]}::timestamptz`.execute(tdb.db);
      await sql`ANALYZE ingest.raw_event`.execute(tdb.db);
    }
  });

  it("every relation administration reads plans as a function scan: no table, so no table statistics, whatever columns are added later", async () => {
    const rels = await sql<{ rel: string }>`
      SELECT format('administration.%I', relname) AS rel FROM pg_class
      WHERE relnamespace = 'administration'::regnamespace AND relkind IN ('r', 'v', 'm', 'p', 'f')`.execute(
      tdb.db,
    );
    expect(rels.rows.length).toBeGreaterThanOrEqual(6);
    const db = as(loginUrl(LOGINS.a));
    for (const { rel } of rels.rows) {
      const types = nodes(await explain(db, `SELECT * FROM ${rel}`)).map((n) => n.type);
      expect(types, rel).toContain("Function Scan");
      expect(
        types.filter((t) => /Scan$/.test(t) && t !== "Function Scan" && t !== "Subquery Scan"),
        rel,
      ).toEqual([]);
    }
  });

  it("no audience reads a table's or a chunk's size or row count from the catalogue, TimescaleDB's views or size functions", async () => {
    await sql`ANALYZE coverage.card, coverage.oat_event, ingest.raw_event, stock.level_change`.execute(
      tdb.db,
    );
    const ids = await sql<{ card: number; oat: number; raw: number; chunk: number }>`
      SELECT 'coverage.card'::regclass::oid::int AS card, 'coverage.oat_event'::regclass::oid::int AS oat,
             'ingest.raw_event'::regclass::oid::int AS raw,
             (SELECT format('%I.%I', chunk_schema, chunk_name)::regclass::oid::int
                FROM timescaledb_information.chunks WHERE hypertable_name = 'raw_event' LIMIT 1) AS chunk`.execute(
      tdb.db,
    );
    const { card, oat, raw, chunk } = ids.rows[0]!;
    // The numbers exist (the owner reads them), so a refusal below hides something.
    const own = await sql<{ t: number; p: number }>`
      SELECT reltuples AS t, relpages AS p FROM pg_class WHERE oid = ${chunk}::oid`.execute(tdb.db);
    expect(Number(own.rows[0]?.t)).toBeGreaterThan(0);
    expect(Number(own.rows[0]?.p)).toBeGreaterThan(0);
    const fns = await sql<{ fn: string }>`
      SELECT f AS fn FROM unnest(ARRAY[
        'public.approximate_row_count(regclass)', 'public.hypertable_size(regclass)',
        'public.hypertable_detailed_size(regclass)', 'public.chunks_detailed_size(regclass)',
        'public.hypertable_index_size(regclass)', 'public.hypertable_approximate_size(regclass)',
        'public.hypertable_approximate_detailed_size(regclass)',
        '_timescaledb_functions.get_chunk_relstats(regclass)', '_timescaledb_functions.get_chunk_colstats(regclass)',
        '_timescaledb_functions.relation_size(regclass)', '_timescaledb_functions.get_approx_row_count(regclass)'
      ]) f WHERE to_regprocedure(f) IS NOT NULL`.execute(tdb.db);
    const present = fns.rows.map((r) => r.fn.replace(/\(.*$/, ""));
    expect(present).toEqual(
      expect.arrayContaining(["public.approximate_row_count", "public.hypertable_size"]),
    );
    const refused = [
      `SELECT reltuples FROM pg_class WHERE oid = ${card}`,
      `SELECT relpages FROM pg_class WHERE oid = ${oat}`,
      `SELECT relallvisible FROM pg_class WHERE oid = ${raw}`,
      `SELECT c.relname, c.reltuples FROM pg_class c WHERE c.relnamespace = '_timescaledb_internal'::regnamespace`,
      "SELECT * FROM pg_class LIMIT 1",
      `SELECT pg_relation_size(${card}::oid)`,
      `SELECT pg_relation_size(${chunk}::oid, 'main')`,
      `SELECT pg_table_size(${oat}::oid)`,
      `SELECT pg_total_relation_size(${chunk}::oid)`,
      `SELECT pg_indexes_size(${card}::oid)`,
      "SELECT pg_database_size(current_database())",
      "SELECT * FROM timescaledb_information.chunks",
      "SELECT * FROM timescaledb_information.hypertables",
      "SELECT * FROM timescaledb_information.dimensions",
      "SELECT * FROM _timescaledb_catalog.dimension_slice",
      "SELECT * FROM _timescaledb_catalog.chunk",
      "SELECT * FROM _timescaledb_catalog.hypertable",
      "SELECT * FROM _timescaledb_internal.hypertable_chunk_local_size",
      ...fns.rows.map((r) => `SELECT ${r.fn.replace(/\(.*$/, "")}(${raw}::oid::regclass)`),
    ];
    for (const role of [...AUDIENCE_LOGINS, LOGINS.a]) {
      const db = as(urlOf(role));
      for (const q of refused)
        await expect(sql.raw(q).execute(db), `${role}: ${q}`).rejects.toThrow(/permission denied/);
      // No column statistics of anything but the role's own publication.
      const stats = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM pg_stats WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'funder')`.execute(
        db,
      );
      expect(stats.rows[0]?.n, role).toBe(0);
      // Tools keep working: the rest of pg_class, and kysely's introspection (what psql and Grafana read).
      const rest = await sql<{ relname: string }>`
        SELECT relname, relkind, relnamespace, relowner, relhasindex, relrowsecurity FROM pg_class WHERE oid = ${card}`.execute(
        db,
      );
      expect(
        rest.rows.map((r) => r.relname),
        role,
      ).toEqual(["card"]);
      const tables = await db.introspection.getTables();
      expect(tables.length, role).toBeGreaterThan(0);
    }
  });
});
