import { describe, expect, it } from "vitest";
import { formatProblems, problemsFromZod } from "./errors";
import { EVENT_SCHEMAS, HrEvent } from "./event";
import { variant } from "./test-helpers";

describe("problemsFromZod", () => {
  it("explains a union's unknown discriminator with the allowed kinds and the one received", () => {
    const result = HrEvent.safeParse(variant("dispense", { kind: "vend" }), { reportInput: true });
    expect(result.success).toBe(false);
    const [problem] = problemsFromZod(result.error!);
    expect(problem?.path).toBe("kind");
    expect(problem?.message).toContain('expected one of "dispense", "dispense_refused"');
    expect(problem?.message).toContain("received a string of 4 characters");
    expect(problem?.message).not.toContain("vend");
  });

  it("says a union's discriminator is missing", () => {
    const result = HrEvent.safeParse(variant("dispense", { kind: undefined }), { reportInput: true });
    const [problem] = problemsFromZod(result.error!);
    expect(problem).toEqual({
      path: "kind",
      message: expect.stringMatching(/^missing; expected one of "dispense"/),
    });
  });

  it("says only what was expected when zod did not report the input", () => {
    const result = EVENT_SCHEMAS.fault.safeParse(variant("fault", { state: "resolved", seq: 0 }));
    expect(formatProblems(problemsFromZod(result.error!))).toBe(
      'seq: must be at least 1; state: expected one of "raised", "cleared"',
    );
  });

  it("never quotes a received value, only its type and length", () => {
    const secret = "A1B2C3D4E5F6";
    const result = EVENT_SCHEMAS.fault.safeParse(
      variant("fault", {
        code: secret,
        detail: secret.repeat(20),
        slotId: `${secret}/`,
        seq: 1.5,
        x: secret,
      }),
      { reportInput: true },
    );
    const text = formatProblems(problemsFromZod(result.error!));
    expect(text).not.toContain(secret);
    expect(text).not.toContain("1.5");
    expect(text).toContain("code: expected one of");
    expect(text).toContain("received another string of 12 characters");
    expect(text).toContain("detail: must have at most 200 characters, received a string of 240 characters");
    expect(text).toContain("seq: expected a whole number, received a number with a fraction");
    expect(text).toContain("1 unexpected field not in the contract");
  });
});

describe("formatProblems", () => {
  it("joins problems, prefixing each with its field when it has one", () => {
    expect(
      formatProblems([
        { path: "", message: "unexpected field(s) 'foo'" },
        { path: "lots.0.expiry", message: "must be a calendar date YYYY-MM-DD" },
      ]),
    ).toBe("unexpected field(s) 'foo'; lots.0.expiry: must be a calendar date YYYY-MM-DD");
  });
});
