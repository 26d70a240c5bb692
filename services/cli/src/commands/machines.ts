import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { readStack, urlsOf } from "@hrvend/local-stack";
import { type DynsecAdmin, loadOrCreateSecrets, localDynsecAdmin, readControl } from "@hrvend/runtime";
import { createDb } from "@hrvend/runtime/db";
import { type TFunction, translator } from "@hrvend/runtime/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";
import {
  deleteMachineAccount,
  MachineAccountError,
  machineAccount,
  notAMachine,
  putMachineAccount,
  requireMachineAccount,
} from "../onboarding/broker";
import { newMachinePassword, provisioningBundle } from "../onboarding/bundle";
import { reservedAccountReason } from "../onboarding/reserved";
import { databaseUrlOf } from "../registry/connections";
import { registeredMachine } from "../registry/state";

interface BrokerOptions {
  controlUrl?: string;
  controlUser: string;
  controlPasswordFile?: string;
  controlCaFile?: string;
}

interface BundleOptions extends BrokerOptions {
  databaseUrl?: string;
  source: string;
  brokerUrl?: string;
  caFile?: string;
  contractUrl: string;
  out?: string;
}

/** `hrvend machines add|rotate|revoke <id>`: a machine's broker account, live, no broker restart. */
export function machinesCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const cmd = new Command("machines").description(t("machines.description")).addHelpText(
    "after",
    `
${t("machines.help")}

${t("opt.examples")}
  npx hrvend machines add md-p13-m1 --out md-p13-m1.bundle.json
  npx hrvend machines rotate md-p13-m1 --out md-p13-m1.bundle.json
  npx hrvend machines revoke md-p13-m1
  npx hrvend machines add md-p13-m1 --broker-url mqtts://mqtt.example.org:8883 --ca-file ca.crt \\
      --control-url mqtt://127.0.0.1:1883 --control-password-file /etc/mosquitto/hrvend/admin.pw \\
      --database-url postgres://… --out md-p13-m1.bundle.json`,
  );

  const withBundleOptions = (c: Command) =>
    withBrokerOptions(c, t)
      .option("--out <file>", t("machines.out"))
      .option("--broker-url <url>", t("machines.brokerUrl"))
      .option("--ca-file <file>", t("machines.caFile"))
      .option("--contract-url <url>", t("machines.contractUrl"), "schemas/generated")
      .option("--source <id>", t("machines.source"), "registry")
      .option("--database-url <url>", t("opt.databaseUrl", { role: "hrvend_writer" }));

  withBundleOptions(
    cmd
      .command("add")
      .description(t("machines.add"))
      .addHelpText(
        "after",
        `
${t("machines.addHelp")}

${t("opt.examples")}
  npx hrvend machines add md-p13-m1
  npx hrvend machines add md-p13-m1 --out md-p13-m1.bundle.json --broker-url mqtts://mqtt.example.org:8883`,
      )
      .argument("<machineId>", t("machines.machineIdRegistry")),
  ).action(async (machineId: string, o: BundleOptions) => {
    await onboard(config, machineId, o, "add");
  });

  withBundleOptions(
    cmd
      .command("rotate")
      .description(t("machines.rotate"))
      .addHelpText(
        "after",
        `
${t("machines.rotateHelp")}

${t("opt.examples")}
  npx hrvend machines rotate md-p13-m1 --out md-p13-m1.bundle.json`,
      )
      .argument("<machineId>", t("machines.machineId")),
  ).action(async (machineId: string, o: BundleOptions) => {
    await onboard(config, machineId, o, "rotate");
  });

  withBrokerOptions(
    cmd
      .command("revoke")
      .description(t("machines.revoke"))
      .addHelpText(
        "after",
        `
${t("machines.revokeHelp")}

${t("opt.examples")}
  npx hrvend machines revoke md-p13-m1`,
      )
      .argument("<machineId>", t("machines.machineId")),
    t,
  ).action(async (machineId: string, o: BrokerOptions) => {
    const admin = dynsecAdmin(config, o, t);
    refuseReserved(machineId, admin, t);
    await requireMachineAccount(admin, machineId);
    if (!(await deleteMachineAccount(admin, machineId)))
      throw new MachineAccountError(t("machines.nothingToRevoke", { id: machineId }));
    console.log(t("machines.revoked", { id: machineId }));
  });
  return cmd;
}

function withBrokerOptions(c: Command, t: TFunction): Command {
  return c
    .option("--control-url <url>", t("machines.controlUrl"))
    .option("--control-user <name>", t("machines.controlUser"), "hrvend-admin")
    .option("--control-password-file <file>", t("machines.controlPasswordFile"))
    .option("--control-ca-file <file>", t("machines.controlCaFile"));
}

/** A machine id that names an office's, the registry's or hrvend's own account is refused. */
function refuseReserved(machineId: string, admin: DynsecAdmin, t: TFunction): void {
  const why = machineId === admin.username ? t("machines.isAdmin") : reservedAccountReason(machineId);
  if (why !== undefined) throw new MachineAccountError(t("machines.reserved", { id: machineId, why }));
}

async function onboard(config: CliConfig, machineId: string, o: BundleOptions, action: "add" | "rotate") {
  const t = translator(config.lang, "cli");
  const admin = dynsecAdmin(config, o, t);
  refuseReserved(machineId, admin, t);
  const db = createDb(databaseUrlOf(config, o.databaseUrl), { max: 1 });
  let registration: Awaited<ReturnType<typeof registeredMachine>>;
  try {
    registration = await registeredMachine(db, o.source, machineId);
  } finally {
    await db.destroy();
  }
  if (registration === undefined)
    throw new MachineAccountError(t("machines.notInRegistry", { id: machineId, source: o.source }));
  if (!registration.active) throw new MachineAccountError(t("machines.deactivated", { id: machineId }));
  const found = await machineAccount(admin, machineId);
  if (action === "add" && found === "machine")
    throw new MachineAccountError(t("machines.alreadyHas", { id: machineId }));
  if (action === "rotate" && found === "none")
    throw new MachineAccountError(t("machines.hasNone", { id: machineId }));
  // Someone else's account under this name (an operator, a test client): never replaced.
  if (found === "other") throw notAMachine(machineId);
  const password = newMachinePassword();
  const bundle = provisioningBundle({
    machineId,
    prisonId: registration.prisonId,
    brokerUrl: o.brokerUrl ?? localMqttUrl(config, t),
    password,
    contractBase: o.contractUrl,
    ...(o.caFile === undefined ? {} : { caCertificate: readFileSync(o.caFile, "utf8") }),
  });
  const text = `${JSON.stringify(bundle, null, 2)}\n`;
  // The file first: if it cannot be written, the broker keeps the old state.
  if (o.out !== undefined) writeFileSync(o.out, text, { mode: 0o600, flag: "wx" });
  try {
    await putMachineAccount(admin, registration.prisonId, machineId, password);
  } catch (e) {
    // A bundle whose password the broker never took must not reach a vendor.
    if (o.out !== undefined) rmSync(o.out, { force: true });
    throw e;
  }
  if (o.out === undefined) process.stdout.write(text);
  else
    console.log(
      t(action === "add" ? "machines.created" : "machines.rotated", {
        id: machineId,
        prison: registration.prisonId,
        file: o.out,
      }),
    );
}

function dynsecAdmin(config: CliConfig, o: BrokerOptions, t: TFunction): DynsecAdmin {
  if (o.controlUrl !== undefined) {
    if (o.controlPasswordFile === undefined) throw new Error(t("machines.controlNeedsPassword"));
    return {
      url: o.controlUrl,
      username: o.controlUser,
      password: readFileSync(o.controlPasswordFile, "utf8").trim(),
      ...(o.controlCaFile === undefined ? {} : { ca: readFileSync(o.controlCaFile, "utf8") }),
    };
  }
  const broker = readStack(config.stateDir)?.parts.mosquitto;
  const control = broker ? readControl(broker.dir) : undefined;
  if (!control) throw new Error(t("errors.noStackFlag", { flag: "--control-url" }));
  return localDynsecAdmin(control);
}

function localMqttUrl(config: CliConfig, t: TFunction): string {
  const state = readStack(config.stateDir);
  if (!state) throw new Error(t("errors.noStackFlag", { flag: "--broker-url" }));
  return urlsOf(state, loadOrCreateSecrets(config.stateDir)).mqtt;
}
