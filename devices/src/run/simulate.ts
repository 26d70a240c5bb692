import { createHash } from "node:crypto";
import type { SimulateConfig } from "../config";
import { cardTokenKey } from "../crypto/card-token";
import { FileSink } from "../delivery/file-sink";
import type { MqttConnector } from "../delivery/mqtt-connector";
import { mqttJsConnector } from "../delivery/mqtt-js-connector";
import { MqttSink } from "../delivery/mqtt-sink";
import { OutboxStore } from "../delivery/outbox-store";
import type { Sink } from "../delivery/sink";
import { loadScenario } from "../scenario/load-scenario";
import type { Simulation } from "../sim/simulation";
import { type RunProgress, type RunSummary, runSimulation } from "./run-simulation";

export interface SimulateHooks {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  /** Connection problems (broker down, refused credentials); the run keeps retrying. */
  onWarning?: (message: string) => void;
  /** Replaces mqtt.js (tests). */
  connector?: MqttConnector;
  onSimulation?: (sim: Simulation) => void;
}

/**
 * Runs `hrvend simulate` from a validated config: loads the scenario, derives the card-token
 * key from the deployment secret, and writes to a file, or publishes over MQTT with the outbox
 * persisted in the run's state dir (resuming it after a crash).
 */
export async function simulate(config: SimulateConfig, hooks: SimulateHooks = {}): Promise<RunSummary> {
  const { scenario, text } = loadScenario(config.scenario);
  let sink: Sink;
  let store: OutboxStore | undefined;
  if (config.output.kind === "file") {
    sink = new FileSink(config.output.path);
  } else {
    const start = config.start ?? Date.parse(scenario.start);
    store = OutboxStore.open(
      config.stateDir,
      {
        scenario: scenario.name,
        scenarioSha256: createHash("sha256").update(text).digest("hex"),
        seed: config.seed,
        days: config.days,
        start: new Date(start).toISOString(),
      },
      config.fresh,
    );
    const connector =
      hooks.connector ??
      mqttJsConnector({
        url: config.output.url,
        keepaliveSeconds: scenario.keepaliveSeconds,
        onError: (clientId, error) => hooks.onWarning?.(`mqtt ${clientId}: ${error.message}`),
      });
    sink = new MqttSink({ connector, secret: config.secret, maxInflight: config.maxInflight });
  }
  return runSimulation({
    scenario,
    seed: config.seed,
    days: config.days,
    ...(config.start === undefined ? {} : { start: config.start }),
    speed: config.speed,
    cardTokenKey: cardTokenKey(config.secret),
    sink,
    ...(config.ledger === undefined ? {} : { ledgerPath: config.ledger }),
    ...(store === undefined ? {} : { store }),
    ...(hooks.signal === undefined ? {} : { signal: hooks.signal }),
    ...(hooks.onProgress === undefined ? {} : { onProgress: hooks.onProgress }),
    ...(hooks.onSimulation === undefined ? {} : { onSimulation: hooks.onSimulation }),
  });
}
