import { deviceCredentials, loadScenario, SCENARIOS_DIR } from "@hrvend/devices";
import { benchFile, benchGenerator, benchMqtt } from "@hrvend/devices/bench";
import { newSecret } from "@hrvend/runtime";
import mqtt from "mqtt";
import { isolateOn, mqttAccounts } from "../support/isolation";
import type { TestServers } from "../support/servers";
import { runSimulator } from "../support/simulator";
import { cpuSeconds } from "./cpu";

export interface SimulatorBench {
  maxSpeed: {
    generatorEventsPerSec: number;
    fileEventsPerSec: number;
    mqttEventsPerSec: number;
    scenario: string;
  };
  estateRealtime: {
    machines: number;
    wallSeconds: number;
    cpuSeconds: number;
    coresUsed: number;
    messagesPerSec: number;
    withinOneCore: boolean;
  };
}

/** The simulator at `--speed max` (generator, file, MQTT) and the 4,500-machine estate in real time. */
export async function simulatorBench(
  servers: TestServers,
  log: (s: string) => void,
  estateSeconds = 60,
): Promise<SimulatorBench> {
  log("simulator: generator and file at max speed (pilot, 30 days)");
  const generator = benchGenerator({ scenario: "pilot", days: 30 });
  const file = await benchFile({ scenario: "pilot", days: 30 });
  const iso = isolateOn("simbench", servers);
  const secret = newSecret();
  const pilot = loadScenario("pilot").scenario;
  const estate = loadScenario("estate").scenario;
  await mqttAccounts(iso, [
    ...deviceCredentials(pilot, secret),
    ...deviceCredentials(estate, secret),
    { username: `${iso.tag}-watch`, password: "w", subscribe: ["hr/v1/#"] },
  ]);
  log("simulator: MQTT at max speed (pilot, 3 days)");
  const overMqtt = await benchMqtt(servers.mqttUrl, { scenario: "pilot", days: 3, secret });

  log(
    `simulator: estate (${estate.prisons.reduce((n, p) => n + p.machines.length, 0)} machines) in real time for ${estateSeconds} s`,
  );
  let messages = 0;
  const watch = await mqtt.connectAsync(servers.mqttUrl, {
    username: `${iso.tag}-watch`,
    password: "w",
    clientId: `${iso.tag}-watch`,
  });
  watch.on("message", () => messages++);
  await watch.subscribeAsync("hr/v1/+/machine/+/heartbeat", { qos: 0 });
  const sim = runSimulator(
    [
      "--scenario",
      `${SCENARIOS_DIR}/estate.json`,
      "--days",
      "1",
      "--seed",
      "bench",
      "--speed",
      "realtime",
      "--mqtt-url",
      servers.mqttUrl,
      "--state-dir",
      `/tmp/hrvend-estate-${iso.tag}`,
    ],
    { HRVEND_DEPLOYMENT_SECRET: secret },
  );
  const pid = sim.child.pid ?? -1;
  // Let all 4,500 connections come up, then measure a steady window.
  await new Promise((r) => setTimeout(r, 20_000));
  const cpu0 = cpuSeconds(pid);
  const msg0 = messages;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, estateSeconds * 1000));
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  const rate = (messages - msg0) / wall;
  sim.child.kill("SIGTERM");
  await sim.exited;
  await watch.endAsync();
  const machines = estate.prisons.reduce((n, p) => n + p.machines.length, 0);
  return {
    maxSpeed: {
      scenario: "pilot",
      generatorEventsPerSec: Math.round(generator.eventsPerSecond),
      fileEventsPerSec: Math.round(file.eventsPerSecond),
      mqttEventsPerSec: Math.round(overMqtt.eventsPerSecond),
    },
    estateRealtime: {
      machines,
      wallSeconds: Math.round(wall),
      cpuSeconds: Math.round(cpu * 100) / 100,
      coresUsed: Math.round((cpu / wall) * 1000) / 1000,
      messagesPerSec: Math.round(rate * 10) / 10,
      withinOneCore: cpu / wall < 1,
    },
  };
}
