/**
 * What the tests and benchmarks read from the environment: the only file of test/ that reads
 * process.env (lint rule noProcessEnv). Each is read when called, as the callers did before.
 */

/** PATH of the test process, for a child process that is given nothing else of the environment. */
export function inheritedPath(): string {
  return process.env["PATH"] ?? "";
}

/** The whole environment of the test process, for a child that extends it (a shell script). */
export function parentEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** HRVEND_SERVICE_READY_TIMEOUT as given (seconds), passed on to a stack the test starts. */
export function serviceReadyTimeoutSetting(): string | undefined {
  return process.env["HRVEND_SERVICE_READY_TIMEOUT"];
}

/** DEBUG_LETTERS: set, the ingest test prints the dead letters it found. */
export function debugLetters(): boolean {
  return Boolean(process.env["DEBUG_LETTERS"]);
}

/** The benchmarks' knobs (`npm run bench`, test/README.md "Benchmarks"). */
export const benchKnobs = {
  /** BENCH_EVENTS: events through the ingest benchmark (default 100,000; `--quick` 20,000). */
  events: (d = 100_000): number => Number(process.env["BENCH_EVENTS"] ?? d),
  /** BENCH_ESTATE_SECONDS: seconds of the estate-scale simulator run (default 60). */
  estateSeconds: (): number => Number(process.env["BENCH_ESTATE_SECONDS"] ?? 60),
  /** BENCH_CLUSTER_DAYS: simulated days of the cluster benchmark (default 14; `--quick` 7). */
  clusterDays: (d = 14): number => Number(process.env["BENCH_CLUSTER_DAYS"] ?? d),
  /** BENCH_ESTATE_DAYS: simulated days of the estate storage slice (default 0.05; `--quick` 0.02). */
  estateDays: (d = 0.05): number => Number(process.env["BENCH_ESTATE_DAYS"] ?? d),
  /** BENCH_ESTATE_RT_SECONDS: seconds the estate runs in real time before its RSS is read (default 80; `--quick` 40). */
  estateRealtimeSeconds: (d = 80): number => Number(process.env["BENCH_ESTATE_RT_SECONDS"] ?? d),
  /** BENCH_GATEWAYS: gateway instances in the ingest benchmark (default 1). */
  gateways: (): number => Number(process.env["BENCH_GATEWAYS"] ?? 1),
  /** BENCH_GW_CONNECTIONS: the gateways' MQTT_CONNECTIONS, unset by default. */
  gatewayConnections: (): string | undefined => process.env["BENCH_GW_CONNECTIONS"],
  /** BENCH_GW_WINDOW: the gateways' MQTT_WINDOW, unset by default. */
  gatewayWindow: (): string | undefined => process.env["BENCH_GW_WINDOW"],
  /** BENCH_DASHBOARD_DAYS: simulated days of the dashboards benchmark (default 365). */
  dashboardDays: (): number => Number(process.env["BENCH_DASHBOARD_DAYS"] ?? 365),
  /** BENCH_DASHBOARD_RUNS: runs of each panel's query (default 20). */
  dashboardRuns: (): number => Number(process.env["BENCH_DASHBOARD_RUNS"] ?? 20),
};
