import { problemsFromZod, RefItem, RefMachine, RefPrison } from "@hrvend/schemas";
import { LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { reservedAccountReason } from "../onboarding/reserved";

/**
 * The registry file a programme keeps (YAML, one document): its items, and its prisons with
 * their machines and slots. Field rules are the contract's own (ref_item, ref_prison,
 * ref_machine in @hrvend/schemas), so a file that validates here publishes events the gateway
 * accepts. Unknown keys are refused (a typo must not silently drop a value).
 */
const item = z.strictObject({
  id: RefItem.shape.itemId,
  name: RefItem.shape.name,
  category: RefItem.shape.category,
  syringesPerUnit: RefItem.shape.syringesPerUnit,
  tracksLots: RefItem.shape.tracksLots,
});

const slot = z.strictObject({
  id: RefMachine.shape.slots.element.shape.slotId,
  item: RefMachine.shape.slots.element.shape.itemId,
  capacity: RefMachine.shape.slots.element.shape.capacity,
});

const machine = z.strictObject({
  id: RefMachine.shape.machineId,
  location: RefMachine.shape.location,
  /** A machine taken out of service stays in the file with `active: false` (or is left out). */
  active: z.boolean().default(true),
  slots: z.array(slot).min(1).max(64),
});

const prison = z.strictObject({
  id: RefPrison.shape.prisonId,
  name: RefPrison.shape.name,
  timeZone: RefPrison.shape.timeZone,
  capacity: RefPrison.shape.capacity,
  injectingPrevalence: RefPrison.shape.injectingPrevalence,
  opioidDependencePrevalence: RefPrison.shape.opioidDependencePrevalence,
  oatCapacity: RefPrison.shape.oatCapacity,
  machines: z.array(machine).default([]),
});

const registryFile = z.strictObject({
  version: z.literal(1),
  items: z.array(item).min(1),
  prisons: z.array(prison).min(1),
});

export type RegistryFile = z.output<typeof registryFile>;

/** Items are programme-wide: published under this reserved prison id (as the simulator does). */
export const PROGRAMME_PRISON_ID = "programme";

export interface FileProblem {
  /** 1-based line in the file (the entry's, or the field's when known). */
  line: number;
  /** Which entry: `prison md-p13`, `machine md-p13-m1 slot s2`, `items[3]`. */
  where: string;
  message: string;
}

/** A registry file that cannot be applied; `problems` has one entry per wrong field or row. */
export class RegistryFileError extends Error {
  override readonly name = "RegistryFileError";
  constructor(
    readonly file: string,
    readonly problems: FileProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was applied\n${problems
        .map((p) => `  ${file}:${p.line}: ${p.where}: ${p.message}`)
        .join("\n")}`,
    );
  }
}

/** Parses and checks a registry file's text; throws RegistryFileError listing every problem. */
export function parseRegistryFile(text: string, file = "registry.yaml"): RegistryFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0)
    throw new RegistryFileError(
      file,
      doc.errors.map((e) => ({
        line: lines.linePos(e.pos[0]).line,
        where: "YAML",
        message: e.message.split("\n")[0] ?? e.message,
      })),
    );
  let raw: unknown;
  try {
    // yaml refuses an alias bomb (billion laughs) here instead of expanding it.
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new RegistryFileError(file, [{ line: 1, where: "YAML", message: (e as Error).message }]);
  }
  const lineOf = (path: PropertyKey[]): number => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n) as unknown[], true) as { range?: [number, number, number] };
      if (node?.range) return lines.linePos(node.range[0]).line;
    }
    return 1;
  };
  const problems: FileProblem[] = [];
  const parsed = registryFile.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const [p] = problemsFromZod(new z.ZodError([issue]));
      const entry = entryPath(issue.path);
      const field = issue.path.slice(entry.length).map(String).join(".");
      problems.push({
        line: lineOf(issue.path),
        where: describeEntry(raw, entry),
        message: field ? `${field}: ${p?.message}` : (p?.message ?? issue.message),
      });
    }
  }
  // Rules across rows, on whatever rows have ids (so one run reports every problem): ids unique
  // where they must be, every slot's item defined, the programme's reserved id left alone.
  const rows = (v: unknown): Record<string, unknown>[] =>
    Array.isArray(v)
      ? v.map((x) => (x !== null && typeof x === "object" ? (x as Record<string, unknown>) : {}))
      : [];
  const idOf = (r: Record<string, unknown>) => (typeof r["id"] === "string" ? r["id"] : undefined);
  const top = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const items = new Set<string>();
  rows(top["items"]).forEach((it, i) => {
    const id = idOf(it);
    if (id === undefined) return;
    if (items.has(id))
      problems.push({ line: lineOf(["items", i]), where: `item ${id}`, message: "defined twice" });
    items.add(id);
  });
  const prisons = new Set<string>();
  const machines = new Set<string>();
  rows(top["prisons"]).forEach((p, i) => {
    const pid = idOf(p);
    if (pid === PROGRAMME_PRISON_ID)
      problems.push({
        line: lineOf(["prisons", i, "id"]),
        where: `prison ${pid}`,
        message: `'${PROGRAMME_PRISON_ID}' is reserved for programme-wide items`,
      });
    if (pid !== undefined && prisons.has(pid))
      problems.push({ line: lineOf(["prisons", i]), where: `prison ${pid}`, message: "defined twice" });
    if (pid !== undefined) prisons.add(pid);
    rows(p["machines"]).forEach((m, j) => {
      const mid = idOf(m);
      if (mid !== undefined && machines.has(mid))
        problems.push({
          line: lineOf(["prisons", i, "machines", j]),
          where: `machine ${mid}`,
          message: "defined twice (a machine id is unique across the programme)",
        });
      if (mid !== undefined) machines.add(mid);
      const reserved = mid === undefined ? undefined : reservedAccountReason(mid);
      if (reserved !== undefined)
        problems.push({
          line: lineOf(["prisons", i, "machines", j, "id"]),
          where: `machine ${mid}`,
          message: `'${mid}' is reserved and cannot be a machine: ${reserved}`,
        });
      const slots = new Set<string>();
      rows(m["slots"]).forEach((s, k) => {
        const at = ["prisons", i, "machines", j, "slots", k];
        const sid = idOf(s);
        const where = `machine ${mid ?? `#${j + 1}`} slot ${sid ?? `#${k + 1}`}`;
        if (sid !== undefined && slots.has(sid))
          problems.push({ line: lineOf(at), where, message: "defined twice" });
        if (sid !== undefined) slots.add(sid);
        const item = s["item"];
        if (typeof item === "string" && !items.has(item))
          problems.push({
            line: lineOf([...at, "item"]),
            where,
            message: `item '${item}' is not defined under items`,
          });
      });
    });
  });
  // Text PostgreSQL cannot store would pass the field rules and fail only at apply time.
  const visit = (v: unknown, path: PropertyKey[]): void => {
    if (typeof v === "string" && !storable(v))
      problems.push({
        line: lineOf(path),
        where: describeEntry(raw, entryPath(path)),
        message: `${path.slice(entryPath(path).length).map(String).join(".") || "value"}: must not contain a NUL character or an unpaired UTF-16 surrogate`,
      });
    else if (Array.isArray(v)) for (const [k, x] of v.entries()) visit(x, [...path, k]);
    else if (v !== null && typeof v === "object")
      for (const [k, x] of Object.entries(v)) visit(x, [...path, k]);
  };
  visit(raw, []);
  if (problems.length > 0 || !parsed.success) throw new RegistryFileError(file, sorted(problems));
  return parsed.data;
}

const storable = (s: string): boolean =>
  !s.includes("\u0000") && (s as unknown as { isWellFormed(): boolean }).isWellFormed();

const sorted = (ps: FileProblem[]) => [...ps].sort((a, b) => a.line - b.line);

/** The path of the row an issue belongs to: an item, a prison, a machine or a slot. */
function entryPath(path: PropertyKey[]): PropertyKey[] {
  const rows = [
    ["items", 2],
    ["slots", 2],
    ["machines", 2],
    ["prisons", 2],
  ] as const;
  for (const [key, len] of rows) {
    const at = path.lastIndexOf(key);
    if (at >= 0 && typeof path[at + 1] === "number") return path.slice(0, at + len);
  }
  return [];
}

/** `prison md-p13`, `machine m1 slot s2`; the index when the row has no usable id. */
function describeEntry(raw: unknown, path: PropertyKey[]): string {
  if (path.length === 0) return "file";
  const get = (p: PropertyKey[]) =>
    p.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as never)[k] : undefined), raw);
  const idOf = (p: PropertyKey[]) => {
    const id = (get(p) as { id?: unknown } | undefined)?.id;
    return typeof id === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
  };
  const parts: string[] = [];
  for (let n = 2; n <= path.length; n += 2) {
    const key = String(path[n - 2]);
    const noun = { items: "item", prisons: "prison", machines: "machine", slots: "slot" }[key] ?? key;
    parts.push(`${noun} ${idOf(path.slice(0, n)) ?? `#${Number(path[n - 1]) + 1}`}`);
  }
  // A slot is named by its machine; a machine by itself (ids are programme-wide).
  return parts.filter((_, i) => !(parts[i]?.startsWith("prison") && i < parts.length - 1)).join(" ");
}
