import { type ExpectedConsumer, progressLines, type SettleSnapshot } from "./settle";

/**
 * Shows the wait, a line per consumer with its lag: redrawn in place on a terminal, otherwise (a
 * log, a pipe) printed again every 5 s and whenever a lag crosses zero, so a log stays short.
 */
export function settleProgress(
  out: NodeJS.WriteStream,
  expected: readonly ExpectedConsumer[] = [],
): {
  show(s: SettleSnapshot, waitedMs: number): void;
  done(): void;
} {
  let drawn = 0;
  let lastPrinted = Number.NEGATIVE_INFINITY;
  let lastState = "";
  return {
    show(s, waitedMs) {
      const lines = progressLines(s, waitedMs, expected);
      if (out.isTTY) {
        if (drawn > 0) out.write(`\x1b[${drawn}A\x1b[J`);
        out.write(`${lines.join("\n")}\n`);
        drawn = lines.length;
        return;
      }
      const state = lines
        .slice(1)
        .map((l) => l.includes("behind") || l.includes("not running"))
        .join();
      if (state === lastState && waitedMs - lastPrinted < 5_000) return;
      lastState = state;
      lastPrinted = waitedMs;
      out.write(`${lines.join("\n")}\n`);
    },
    done() {
      drawn = 0;
    },
  };
}
