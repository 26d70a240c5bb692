import { deviceCredentials, loadScenario, simulateCommand } from "@hrvend/devices";
import { applyMqttUsers, readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets } from "@hrvend/runtime";
import { translator } from "@hrvend/runtime/i18n";
import type { Command } from "commander";
import type { CliConfig } from "../config";

/**
 * `hrvend simulate`, the devices workspace's command, wired to the local stack: without --out or
 * --mqtt-url it publishes to the local broker, after registering the scenario's device accounts
 * (password derived from the deployment secret, ACL on their own topics).
 */
export function simulateCmd(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const cmd = simulateCommand(config.env).description(t("simulate.description"));
  cmd.hook("preAction", async (c) => {
    const o = c.opts<{ out?: string; mqtt?: string; mqttUrl?: string; scenario: string }>();
    if (o.out !== undefined || o.mqtt !== undefined || o.mqttUrl !== undefined) return;
    const state = readStack(config.stateDir);
    const broker = state?.parts.mosquitto;
    if (!state || !broker) {
      throw new Error(t("simulate.noStack"));
    }
    const secrets = loadOrCreateSecrets(config.stateDir);
    const { scenario } = loadScenario(o.scenario);
    const accounts = deviceCredentials(scenario, secrets.deploymentSecret);
    await applyMqttUsers(broker.dir, broker.pid, `scenario-${o.scenario.replace(/[^\w-]/g, "_")}`, accounts);
    c.setOptionValue("mqttUrl", urlsOf(state, secrets).mqtt);
    if (c.getOptionValueSource("secretFile") === "default")
      c.setOptionValue("secretFile", `${config.stateDir}/secret`);
    if (c.getOptionValueSource("stateDir") === "default")
      c.setOptionValue("stateDir", `${config.stateDir}/sim`);
  });
  return cmd;
}
