import { Command, Option } from "commander";
import { loadSimulateConfig, processEnvironment, type SimulateOptions } from "./config";
import { ProgressBar } from "./run/progress-bar";
import { simulate } from "./run/simulate";

const EXAMPLES = `
Examples:
  # 90 days of the Moldova-like pilot, as fast as possible, to files
  npx hrvend simulate --scenario pilot --days 90 --seed 42 --out events.jsonl --ledger ledger.jsonl

  # the same fleet publishing to a local broker in real time (resumes after a kill)
  npx hrvend simulate --scenario pilot --days 90 --seed 42 --mqtt-url mqtt://localhost:1883 --ledger ledger.jsonl

  # 4,500 machines, one simulated hour at 60x
  npx hrvend simulate --scenario estate --days 0.0417 --speed 60 --out estate.jsonl

Same scenario + seed + days give byte-identical events and ledger. The deployment secret
(machine passwords, card-token key) comes from HRVEND_DEPLOYMENT_SECRET or --secret-file.
MQTT mode keeps each machine's unacknowledged events in --state-dir and resumes a killed run;
pass --fresh to start over.`;

/** `hrvend simulate`: a fleet of simulated vending machines (file or MQTT output). */
export function simulateCommand(env: Record<string, string | undefined> = processEnvironment()): Command {
  return (
    new Command("simulate")
      .description("simulate a fleet of harm-reduction vending machines, census, OAT register and outreach")
      .requiredOption("--scenario <name|file>", "small | pilot | estate, or a path to a scenario .json")
      .option("--days <n>", "simulated days (fractions allowed)", "7")
      .option("--seed <seed>", "random seed; same seed, same bytes", "42")
      .option(
        "--speed <speed>",
        "realtime | N (times faster) | max; default max with --out, realtime with MQTT",
      )
      .option("--mqtt-url <url>", "publish to this broker (default mqtt://localhost:1883 unless --out)")
      // The option's old name (one name per concept: --mqtt-url, as every other command): still taken, with a warning.
      .addOption(new Option("--mqtt <url>").hideHelp())
      .option("--out <file>", "write events (JSONL, arrival order) to a file instead of MQTT")
      .option("--ledger <file>", "write the ground-truth ledger (JSONL)")
      .option(
        "--state-dir <dir>",
        "outbox state of MQTT runs (one subfolder per scenario and seed)",
        ".hrvend/sim",
      )
      .option(
        "--secret-file <file>",
        "deployment secret, if HRVEND_DEPLOYMENT_SECRET is unset",
        ".hrvend/secret",
      )
      .option("--fresh", "discard the state of an unfinished run instead of resuming it", false)
      .option("--start <iso>", "override the scenario's start instant (ISO 8601 with offset)")
      .addOption(new Option("--max-inflight <n>", "bound on unacknowledged MQTT messages").default("1000"))
      .option("--no-progress", "no progress bar")
      .addHelpText("after", EXAMPLES)
      .action(async (given: SimulateOptions & { mqttUrl?: string }) => {
        const { mqttUrl, ...opts } = given;
        if (opts.mqtt !== undefined) process.stderr.write("hrvend: --mqtt is deprecated, use --mqtt-url\n");
        const config = loadSimulateConfig(
          { ...opts, ...(mqttUrl === undefined ? {} : { mqtt: mqttUrl }) },
          env,
        );
        const bar = config.progress ? new ProgressBar("simulate") : undefined;
        const abort = new AbortController();
        const onSignal = () => {
          if (abort.signal.aborted) process.exit(130);
          abort.abort();
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        const warnings = new Map<string, number>();
        let lastWarning = 0;
        try {
          const summary = await simulate(config, {
            signal: abort.signal,
            ...(bar ? { onProgress: (p) => bar.update(p) } : {}),
            onWarning: (message) => {
              warnings.set(message, (warnings.get(message) ?? 0) + 1);
              const now = Date.now();
              if (now - lastWarning > 5000) {
                lastWarning = now;
                process.stderr.write(`\nwarning: ${message} (${warnings.size} distinct warnings so far)\n`);
              }
            },
          });
          bar?.stop();
          process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
          if (!summary.completed) {
            process.stderr.write(
              config.output.kind === "mqtt"
                ? `stopped before the end; run the same command again to resume from ${config.stateDir}\n`
                : "stopped before the end\n",
            );
            process.exitCode = 130;
          }
        } finally {
          bar?.stop();
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
      })
  );
}
