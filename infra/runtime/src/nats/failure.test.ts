import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  ConsumerHaltedError,
  classifyFailure,
  describeFailure,
  redactMessage,
  UnapplicableEventError,
  type WriteOrParkDeps,
  writeOrPark,
} from "./failure";

/** A PostgreSQL error as node-postgres raises it: an Error with the SQLSTATE in `code`. */
const pgError = (code: string, message = "x") => Object.assign(new Error(message), { code });
const thrown = (f: () => unknown): unknown => {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error("did not throw");
};

describe("classifyFailure", () => {
  // SQLSTATEs from the PostgreSQL manual, Appendix A.
  it.each([
    ["22021", "invalid byte sequence (a NUL in text)"],
    ["22P05", "untranslatable character (\\u0000 in jsonb)"],
    ["22008", "datetime field overflow (year 0000)"],
    ["22009", "invalid time zone displacement (+17:30)"],
    ["22003", "numeric value out of range"],
    ["22P02", "invalid text representation"],
    ["23502", "not null violation"],
    ["23514", "check violation"],
    ["23503", "foreign key violation"],
    ["54000", "program limit exceeded"],
  ])("given SQLSTATE %s (%s), then the message is poison", (code) => {
    expect(classifyFailure(pgError(code))).toBe("poison");
  });

  it.each([
    ["08006", "connection failure"],
    ["08001", "cannot establish connection"],
    ["57P01", "admin shutdown"],
    ["57P03", "cannot connect now (starting up)"],
    ["53300", "too many connections"],
    ["53100", "disk full"],
    ["40001", "serialization failure"],
    ["40P01", "deadlock"],
    ["42P01", "undefined table (migration missing: every message fails alike)"],
    ["42501", "insufficient privilege"],
    ["25006", "read-only transaction"],
    ["55P03", "lock not available"],
  ])("given SQLSTATE %s (%s), then it is transient: retried, never parked", (code) => {
    expect(classifyFailure(pgError(code))).toBe("transient");
  });

  it("given a unique violation (a race between writers) or a trigger's exception, then it is unknown (bounded tries)", () => {
    expect(classifyFailure(pgError("23505"))).toBe("unknown");
    expect(classifyFailure(pgError("P0001"))).toBe("unknown");
  });

  it("given connection errors without a SQLSTATE, then they are transient", () => {
    expect(classifyFailure(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))).toBe(
      "transient",
    );
    expect(classifyFailure(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }))).toBe(
      "transient",
    );
    expect(classifyFailure(new Error("Connection terminated unexpectedly"))).toBe("transient");
    expect(classifyFailure(new Error("timeout exceeded when trying to connect"))).toBe("transient");
  });

  it("given a message that does not decode or fails a contract, then it is poison", () => {
    expect(classifyFailure(thrown(() => JSON.parse("{not json")))).toBe("poison");
    expect(classifyFailure(thrown(() => z.object({ a: z.string() }).parse({ a: 1 })))).toBe("poison");
  });

  it("given a service's domain refusal, then it is poison; given a plain Error, unknown", () => {
    expect(classifyFailure(new UnapplicableEventError("slot s9 is not on machine m1"))).toBe("poison");
    expect(classifyFailure(Object.assign(new Error("own"), { poison: true }))).toBe("poison");
    expect(classifyFailure(new Error("something odd"))).toBe("unknown");
    // A RangeError subclass with a name of its own (the time module's InvalidDateError) is still a RangeError.
    class InvalidDateError extends RangeError {
      override readonly name = "InvalidDateError";
    }
    expect(classifyFailure(new InvalidDateError("not a date: 0000-03-02"))).toBe("poison");
    expect(classifyFailure("a string")).toBe("unknown");
    expect(classifyFailure(null)).toBe("unknown");
  });

  it("given a wrapper whose cause is a connection error, then it is transient", () => {
    const inner = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(classifyFailure(new Error("write failed", { cause: inner }))).toBe("transient");
  });
});

describe("describeFailure never echoes payload bytes", () => {
  const SECRET = "A1B2C3D4E5F6";

  it("given PostgreSQL's messages that quote the value, then the value is gone and class and code stay", () => {
    const d = describeFailure(pgError("22P02", `invalid input syntax for type integer: "${SECRET}"`));
    expect(d).toEqual({
      errorClass: "data_exception",
      code: "22P02",
      message: 'invalid input syntax for type integer: "…"',
    });
    const bytes = describeFailure(pgError("22021", 'invalid byte sequence for encoding "UTF8": 0x00 0x41'));
    expect(bytes.message).not.toMatch(/0x0|0x4/);
    expect(bytes.errorClass).toBe("data_exception");
  });

  it("given V8's JSON.parse error around a card token, then the message says only that it is not JSON", () => {
    const err = thrown(() => JSON.parse(`{"cardToken":'${SECRET}'}`)) as Error;
    expect(err.message).toContain(SECRET.slice(0, 4)); // the premise: V8 quotes the text
    const d = describeFailure(err);
    expect(JSON.stringify(d)).not.toContain(SECRET.slice(0, 4));
    expect(d.errorClass).toBe("json");
  });

  it("given a zod error, then it names paths and codes only", () => {
    const err = thrown(() => z.object({ cardToken: z.string().length(3) }).parse({ cardToken: SECRET }));
    const d = describeFailure(err);
    expect(d.errorClass).toBe("contract");
    expect(d.message).toContain("cardToken");
    expect(d.message).not.toContain(SECRET);
  });

  it("given NUL, control characters, lone surrogates and a huge message, then none is kept and it is capped", () => {
    const m = redactMessage(`a\u0000b\u0007c\ud800d ${"x".repeat(5000)} 'quoted ${SECRET}'`);
    expect([...m].filter((c) => c.charCodeAt(0) < 0x20 || /\p{Surrogate}/u.test(c))).toEqual([]);
    expect(m.length).toBeLessThanOrEqual(300);
    expect(redactMessage(`value 'it''s ${SECRET}' and \`${SECRET}\``)).not.toContain(SECRET);
  });

  it("given a service's own message with an unquoted token, then the token is gone and the words stay", () => {
    const token = "q3Zr8Kx0bTfW1nLpYc7uGw";
    const d = describeFailure(new RangeError(`card ${token} has no first date: not a date: 1-03-02`));
    expect(d.message).toBe("card … has no first date: not a date: 1-03-02");
    expect(redactMessage("unhandled event kind tamper_report")).toBe("unhandled event kind tamper_report");
  });
});

/** A consumer's write path over numbered messages, with the positions it moves to. */
function harness(failFor: (msgs: number[], call: number) => unknown, maxTries = 3) {
  const written: number[] = [];
  const parked: { seq: number; verdict: string; tries: number }[] = [];
  const positions: number[] = [];
  let writes = 0;
  let stopping = false;
  const deps: WriteOrParkDeps<number> = {
    write: async (msgs) => {
      writes++;
      const err = failFor(msgs, writes);
      if (err) throw err;
      written.push(...msgs);
      positions.push(msgs[msgs.length - 1] as number);
    },
    park: async (seq, f) => {
      parked.push({ seq, verdict: f.verdict, tries: f.tries });
      positions.push(seq);
    },
    isFatal: (err) => err instanceof Error && err.message === "fatal",
    stopping: () => stopping,
    onError: () => undefined,
    sleep: async () => undefined,
    maxTries,
  };
  return {
    deps,
    written,
    parked,
    positions,
    get writes() {
      return writes;
    },
    stop: () => {
      stopping = true;
    },
  };
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("writeOrPark: the batch is split to find the poison", () => {
  it("given one poison message in a batch of 500, then the 499 others are written once, in order, and it alone is parked", async () => {
    const poison = 337;
    const h = harness((msgs) => (msgs.includes(poison) ? pgError("22021") : undefined));
    await writeOrPark(range(1, 500), h.deps);
    expect(h.written).toEqual(range(1, 500).filter((s) => s !== poison));
    expect(h.parked).toEqual([{ seq: poison, verdict: "poison", tries: 1 }]);
    // The position only moves forward and ends at the batch's last message.
    expect(h.positions).toEqual([...h.positions].sort((a, b) => a - b));
    expect(h.positions.at(-1)).toBe(500);
    // Bisecting: about two writes per halving (⌈log2 500⌉ = 9), not 500.
    expect(h.writes).toBeLessThanOrEqual(2 * 9 + 2);
  });

  it("given several poisons (first, adjacent, last), then each is parked and every other message written once", async () => {
    const poisons = new Set([1, 50, 51, 52, 200]);
    const h = harness((msgs) => (msgs.some((m) => poisons.has(m)) ? new SyntaxError("bad") : undefined));
    await writeOrPark(range(1, 200), h.deps);
    expect(h.written).toEqual(range(1, 200).filter((s) => !poisons.has(s)));
    expect(h.parked.map((p) => p.seq)).toEqual([...poisons]);
    expect(new Set([...h.written, ...h.parked.map((p) => p.seq)]).size).toBe(200);
  });

  it("given the database down for a while (transient errors), then nothing is parked and the batch is written whole afterwards", async () => {
    const h = harness((_msgs, call) =>
      call <= 40 ? Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) : undefined,
    );
    await writeOrPark(range(1, 100), h.deps);
    expect(h.parked).toEqual([]);
    expect(h.written).toEqual(range(1, 100));
    expect(h.positions).toEqual([100]); // one write, not split
  });

  it("given the database going down while the poison is searched for, then no good message is parked", async () => {
    // Calls 3..30 fail as if the server went away mid-split; the poison is 7.
    const h = harness((msgs, call) =>
      call >= 3 && call <= 30
        ? pgError("57P01")
        : msgs.includes(7)
          ? pgError("22P05", "unsupported Unicode escape sequence")
          : undefined,
    );
    await writeOrPark(range(1, 16), h.deps);
    expect(h.parked.map((p) => p.seq)).toEqual([7]);
    expect(h.written).toEqual(range(1, 16).filter((s) => s !== 7));
  });

  it("given an unknown error on one message, then it is tried maxTries times alone and parked as exhausted", async () => {
    const h = harness((msgs) => (msgs.includes(5) ? new Error("trigger says no") : undefined), 4);
    await writeOrPark(range(1, 8), h.deps);
    expect(h.parked).toEqual([{ seq: 5, verdict: "unknown", tries: 4 }]);
    expect(h.written).toEqual([1, 2, 3, 4, 6, 7, 8]);
  });

  it("given an unknown error that clears on the second try, then nothing is parked", async () => {
    const h = harness((_m, call) => (call === 1 ? new Error("flaky") : undefined));
    await writeOrPark(range(1, 10), h.deps);
    expect(h.parked).toEqual([]);
    expect(h.written).toEqual(range(1, 10));
  });

  it("given the position moved by another instance, then it halts without parking", async () => {
    const h = harness(() => new Error("fatal"));
    await expect(writeOrPark(range(1, 4), h.deps)).rejects.toBeInstanceOf(ConsumerHaltedError);
    expect(h.parked).toEqual([]);
  });

  it("given the consumer stopping while the database is down, then it halts without parking", async () => {
    const h = harness((_m, call) => {
      if (call === 5) h.stop();
      return pgError("08006");
    });
    await expect(writeOrPark(range(1, 4), h.deps)).rejects.toBeInstanceOf(ConsumerHaltedError);
    expect(h.parked).toEqual([]);
    expect(h.written).toEqual([]);
  });

  it("given parking itself failing transiently, then it is retried until stored (nothing skipped unstored)", async () => {
    const h = harness((msgs) => (msgs.includes(2) ? pgError("22021") : undefined));
    let parkFailures = 3;
    const park = h.deps.park;
    h.deps.park = async (m, f) => {
      if (parkFailures-- > 0) throw pgError("08006");
      await park(m, f);
    };
    await writeOrPark([1, 2, 3], h.deps);
    expect(h.parked.map((p) => p.seq)).toEqual([2]);
    expect(h.written).toEqual([1, 3]);
  });
});
