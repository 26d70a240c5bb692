import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  describeChange,
  desiredBodies,
  diffRegistry,
  nextSeq,
  type RefBody,
  refEvent,
  republishAll,
} from "./diff";
import { parseRegistryFile, RegistryFileError } from "./file";

const EXAMPLE = readFileSync(
  new URL("../../../../infra/deploy/registry.example.yaml", import.meta.url),
  "utf8",
);

const SMALL = `version: 1
items:
  - id: kit
    name: Syringe kit
    category: syringe_kit
    syringesPerUnit: 10
    tracksLots: false
prisons:
  - id: p1
    name: Prison one
    timeZone: Europe/Chisinau
    capacity: 300
    injectingPrevalence: 0.1
    opioidDependencePrevalence: 0.05
    oatCapacity: 10
    machines:
      - id: m1
        location: Block A
        slots:
          - { id: s1, item: kit, capacity: 40 }
`;

function problems(text: string) {
  try {
    parseRegistryFile(text, "r.yaml");
  } catch (e) {
    if (e instanceof RegistryFileError) return e.problems;
    throw e;
  }
  throw new Error("the file was accepted");
}

describe("parseRegistryFile", () => {
  it("given the example file, when parsed, then every prison, machine and item is there", () => {
    const f = parseRegistryFile(EXAMPLE);
    expect(f.items.map((i) => i.id)).toEqual(["nsp-kit", "naloxone-nasal"]);
    expect(f.prisons.map((p) => [p.id, p.machines.map((m) => [m.id, m.active, m.slots.length])])).toEqual([
      [
        "md-p13",
        [
          ["md-p13-m1", true, 3],
          ["md-p13-m2", true, 2],
        ],
      ],
      ["md-p18", [["md-p18-m1", true, 2]]],
    ]);
  });

  it("reports each bad field with its line and entry, all at once", () => {
    const bad = SMALL.replace("injectingPrevalence: 0.1", "injectingPrevalence: 1.5")
      .replace("timeZone: Europe/Chisinau", "timeZone: Mars/Olympus")
      .replace("capacity: 40", "capacity: 0");
    const ps = problems(bad);
    expect(ps.map((p) => [p.line, p.where, p.message.split(":")[0]])).toEqual([
      [11, "prison p1", "timeZone"],
      [13, "prison p1", "injectingPrevalence"],
      [20, "machine m1 slot s1", "capacity"],
    ]);
  });

  it("refuses an unknown key (a typo must not drop a value), an undefined item, duplicates, the reserved prison id", () => {
    expect(
      problems(SMALL.replace("oatCapacity: 10", "oatCapacity: 10\n    oatCapcity: 12"))[0],
    ).toMatchObject({
      line: 9,
      where: "prison p1",
    });
    expect(problems(SMALL.replace("item: kit", "item: kti"))).toEqual([
      { line: 20, where: "machine m1 slot s1", message: "item 'kti' is not defined under items" },
    ]);
    const twice = SMALL.replace(
      "          - { id: s1, item: kit, capacity: 40 }\n",
      "          - { id: s1, item: kit, capacity: 40 }\n          - { id: s1, item: kit, capacity: 5 }\n",
    );
    expect(problems(twice)).toEqual([{ line: 21, where: "machine m1 slot s1", message: "defined twice" }]);
    expect(problems(SMALL.replace("id: p1", "id: programme"))[0]?.message).toContain("reserved");
  });

  it("refuses a machine id that is an office's, the registry's or hrvend's own broker account, with its line", () => {
    // SMALL's machine id is on line 17. Each of these is an existing account's name: a machine
    // with it would be that account on the broker (red team, 2026-12-03).
    for (const id of [
      "p1-census",
      "md-p13-health",
      "registry",
      "hrvend-gateway",
      "hrvend-admin",
      "hrvend-dynsec",
    ]) {
      const ps = problems(SMALL.replace("- id: m1", `- id: ${id}`));
      expect(ps, id).toEqual([
        {
          line: 17,
          where: `machine ${id}`,
          message: expect.stringMatching(new RegExp(`^'${id}' is reserved`)),
        },
      ]);
    }
    // Near misses stay usable machine ids.
    for (const id of ["census", "p1-census-2", "health-m1", "registry-m1", "hrvend", "md-hrvend-m1"])
      expect(() => parseRegistryFile(SMALL.replace("- id: m1", `- id: ${id}`)), id).not.toThrow();
  });

  it("refuses text PostgreSQL cannot store (NUL, an unpaired surrogate) with its line, before anything is applied", () => {
    // In YAML double quotes "\0" is NUL and "\ud800" an unpaired surrogate.
    const nul = problems(SMALL.replace("name: Prison one", 'name: "Prison\\0one"'));
    expect(nul).toEqual([{ line: 10, where: "prison p1", message: expect.stringMatching(/^name: .*NUL/) }]);
    const lone = problems(SMALL.replace("location: Block A", 'location: "Block \\ud800A"'));
    expect(lone).toEqual([
      {
        line: 18,
        where: "machine m1",
        message: expect.stringMatching(/^location: .*unpaired UTF-16 surrogate/),
      },
    ]);
  });

  it("reports field and cross-row problems together, in line order", () => {
    const ps = problems(SMALL.replace("capacity: 300", "capacity: -3").replace("item: kit", "item: kti"));
    expect(ps.map((p) => [p.line, p.where])).toEqual([
      [12, "prison p1"],
      [20, "machine m1 slot s1"],
    ]);
  });

  it("refuses an alias bomb (billion laughs) instead of expanding it", () => {
    const bomb = ["version: 1", "a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(97 + i)}`)
          .join(", ")}]`,
      );
    const ps = problems(bomb.join("\n"));
    expect(ps[0]?.message).toMatch(/alias/i);
  });

  it("reports broken YAML with its line, and a duplicate key", () => {
    expect(problems("version: 1\nitems: [\n")[0]?.where).toBe("YAML");
    expect(problems(SMALL.replace("capacity: 300", "capacity: 300\n    capacity: 400"))[0]).toMatchObject({
      where: "YAML",
      line: 13,
    });
  });
});

describe("diffRegistry", () => {
  const desired = desiredBodies(parseRegistryFile(SMALL));

  it("given an empty registry, then everything is added: items, then the prison, then its machines", () => {
    const d = diffRegistry([], desired);
    expect(d.changes.map((c) => [c.action, c.kind, c.id])).toEqual([
      ["add", "ref_item", "kit"],
      ["add", "ref_prison", "p1"],
      ["add", "ref_machine", "m1"],
    ]);
  });

  it("given the same registry recorded, then nothing changes (slot and key order do not matter)", () => {
    const recorded = desired.map((b) =>
      b.kind === "ref_machine"
        ? ({
            slots: [...b.slots].reverse(),
            active: b.active,
            location: b.location,
            machineId: b.machineId,
            prisonId: b.prisonId,
            kind: b.kind,
          } as RefBody)
        : b,
    );
    expect(diffRegistry(recorded, desired)).toEqual({ changes: [], kept: [] });
  });

  it("names each changed field with before and after", () => {
    const changed = desiredBodies(parseRegistryFile(SMALL.replace("capacity: 300", "capacity: 320")));
    const d = diffRegistry(desired, changed);
    expect(d.changes.map((c) => [c.action, c.id, c.fields])).toEqual([
      ["change", "p1", ["capacity: 300 → 320"]],
    ]);
  });

  it("deactivates a machine left out of the file, keeps a prison or item left out", () => {
    const other: RefBody[] = [
      {
        kind: "ref_machine",
        prisonId: "p9",
        machineId: "m9",
        location: "x",
        active: true,
        slots: [{ slotId: "s1", itemId: "kit", capacity: 5 }],
      },
      {
        kind: "ref_machine",
        prisonId: "p9",
        machineId: "m8",
        location: "x",
        active: false,
        slots: [{ slotId: "s1", itemId: "kit", capacity: 5 }],
      },
      { ...(desired[1] as RefBody & { kind: "ref_prison" }), prisonId: "p9" },
    ];
    const d = diffRegistry([...desired, ...other], desired);
    expect(d.changes.map((c) => [c.action, c.id, c.body.kind === "ref_machine" && c.body.active])).toEqual([
      ["deactivate", "m9", false],
    ]);
    expect(d.kept).toEqual([{ kind: "ref_prison", id: "p9" }]);
  });
});

describe("republishAll (--republish)", () => {
  const desired = desiredBodies(parseRegistryFile(SMALL));

  it("given a registry recorded as the file says, then every entity is published again, in publishing order", () => {
    const all = republishAll(diffRegistry(desired, desired), desired);
    expect(all.map((c) => [c.action, c.kind, c.id])).toEqual([
      ["republish", "ref_item", "kit"],
      ["republish", "ref_prison", "p1"],
      ["republish", "ref_machine", "m1"],
    ]);
    expect(all.map((c) => c.body)).toEqual(desired);
    expect(describeChange(all[2] as (typeof all)[number])).toBe(
      "= machine m1 (prison p1): unchanged, published again",
    );
  });

  it("given a change and a machine left out, then the change keeps its fields and the deactivation comes last", () => {
    const changed = desiredBodies(parseRegistryFile(SMALL.replace("capacity: 300", "capacity: 320")));
    const gone: RefBody = {
      kind: "ref_machine",
      prisonId: "p1",
      machineId: "m0",
      location: "x",
      active: true,
      slots: [{ slotId: "s1", itemId: "kit", capacity: 5 }],
    };
    const all = republishAll(diffRegistry([...desired, gone], changed), changed);
    expect(all.map((c) => [c.action, c.id, c.fields])).toEqual([
      ["republish", "kit", []],
      ["change", "p1", ["capacity: 300 → 320"]],
      ["republish", "m1", []],
      ["deactivate", "m0", ["active: true → false (not in the file)"]],
    ]);
  });
});

describe("refEvent and nextSeq", () => {
  it("builds contract-valid events", () => {
    for (const b of desiredBodies(parseRegistryFile(EXAMPLE)))
      expect(refEvent(b, "registry", 7, "2026-03-01T10:00:00Z")).toMatchObject({
        sourceId: "registry",
        seq: 7,
      });
  });

  it("stays above what was recorded even when the clock went back", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    expect(nextSeq(0, now)).toBe(now * 1000);
    expect(nextSeq(now * 1000 + 5_000_000, now)).toBe(now * 1000 + 5_000_001);
  });
});
