import { readFileSync, rmSync, writeFileSync } from "node:fs";
import {
  type DynsecAdmin,
  loadOrCreateSecrets,
  localDynsecAdmin,
  readControl,
  readStack,
  urlsOf,
} from "@hrvend/infra";
import { createDb } from "@hrvend/infra/db";
import { translator } from "@hrvend/infra/i18n";
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
  const cmd = new Command("machines")
    .description(translator(config.lang, "cli")("machines.description"))
    .addHelpText(
      "after",
      `
Accounts live in Mosquitto's dynamic-security plugin; these commands change them through its
control topic as the plugin's administrator, so the broker applies them at once (no restart).
A machine may publish only its own kinds under hr/v1/<its prison>/machine/<itself>/ and
subscribe to nothing; its account is bound to its own client id. Every account these commands
make is in the plugin's group 'machines': rotate and revoke refuse any other account, and ids
named like office, registry or hrvend accounts ('<prison>-census', '<prison>-health',
'registry', 'hrvend-*', the administrator's) are refused outright.

Examples:
  npx hrvend machines add md-p13-m1 --out md-p13-m1.bundle.json
  npx hrvend machines rotate md-p13-m1 --out md-p13-m1.bundle.json
  npx hrvend machines revoke md-p13-m1
  npx hrvend machines add md-p13-m1 --broker-url mqtts://mqtt.example.org:8883 --ca-file ca.crt \\
      --control-url mqtt://127.0.0.1:1883 --control-password-file /etc/mosquitto/hrvend/admin.pw \\
      --database-url postgres://… --out md-p13-m1.bundle.json`,
    );

  const withBundleOptions = (c: Command) =>
    withBrokerOptions(c)
      .option(
        "--out <file>",
        "write the bundle to this file (mode 0600, never overwritten) instead of printing it",
      )
      .option("--broker-url <url>", "the broker URL the machine uses (default: the local stack's)")
      .option("--ca-file <file>", "the deployment CA's certificate, put in the bundle for an mqtts:// broker")
      .option(
        "--contract-url <url>",
        "where the vendor reads the contract, asyncapi.json and asyncapi.html (give the URL the deployment publishes them at)",
        "schemas/generated",
      )
      .option("--source <id>", "the registry source the machine is registered by", "registry")
      .option("--database-url <url>", "PostgreSQL URL (default: the local stack, as hrvend_writer)");

  withBundleOptions(
    cmd
      .command("add")
      .description(
        "create the machine's broker account and print its provisioning bundle (password shown once)",
      )
      .addHelpText(
        "after",
        `
The machine must be in the registry (npx hrvend registry apply) and active; its prison there
decides its topics. The password is generated here and appears only in the bundle: hrvend keeps
no copy (the broker keeps a hash). Refused when the machine already has an account: use rotate.

Examples:
  npx hrvend machines add md-p13-m1
  npx hrvend machines add md-p13-m1 --out md-p13-m1.bundle.json --broker-url mqtts://mqtt.example.org:8883`,
      )
      .argument("<machineId>", "the machine's id, as in the registry file"),
  ).action(async (machineId: string, o: BundleOptions) => {
    await onboard(config, machineId, o, "add");
  });

  withBundleOptions(
    cmd
      .command("rotate")
      .description("give the machine a new password (and its registry prison's topics); prints a new bundle")
      .addHelpText(
        "after",
        `
The old password stops working at once and a connected session is disconnected. Also run it
after the registry moves a machine to another prison: its topics follow.

Examples:
  npx hrvend machines rotate md-p13-m1 --out md-p13-m1.bundle.json`,
      )
      .argument("<machineId>", "the machine's id"),
  ).action(async (machineId: string, o: BundleOptions) => {
    await onboard(config, machineId, o, "rotate");
  });

  withBrokerOptions(
    cmd
      .command("revoke")
      .description("delete the machine's broker account: it is disconnected and cannot connect again")
      .addHelpText(
        "after",
        `
Takes effect at once: the broker disconnects a connected session and refuses the next connect.
The registry is not changed (deactivate the machine there too if it leaves service).

Examples:
  npx hrvend machines revoke md-p13-m1`,
      )
      .argument("<machineId>", "the machine's id"),
  ).action(async (machineId: string, o: BrokerOptions) => {
    const admin = dynsecAdmin(config, o);
    refuseReserved(machineId, admin);
    await requireMachineAccount(admin, machineId);
    if (!(await deleteMachineAccount(admin, machineId)))
      throw new MachineAccountError(`machine ${machineId} has no broker account (nothing to revoke)`);
    console.log(`revoked ${machineId}: its account is deleted and any session disconnected`);
  });
  return cmd;
}

function withBrokerOptions(c: Command): Command {
  return c
    .option(
      "--control-url <url>",
      "the broker, as the dynamic-security administrator (default: the local stack's)",
    )
    .option(
      "--control-user <name>",
      "the plugin administrator's username (with --control-url)",
      "hrvend-admin",
    )
    .option("--control-password-file <file>", "the plugin administrator's password (with --control-url)")
    .option("--control-ca-file <file>", "CA certificate of an mqtts:// control URL");
}

/** A machine id that names an office's, the registry's or hrvend's own account is refused. */
function refuseReserved(machineId: string, admin: DynsecAdmin): void {
  const why =
    machineId === admin.username
      ? "it is the plugin administrator's broker account"
      : reservedAccountReason(machineId);
  if (why !== undefined)
    throw new MachineAccountError(`'${machineId}' is reserved and cannot be a machine: ${why}`);
}

async function onboard(config: CliConfig, machineId: string, o: BundleOptions, action: "add" | "rotate") {
  const admin = dynsecAdmin(config, o);
  refuseReserved(machineId, admin);
  const db = createDb(databaseUrlOf(config, o.databaseUrl), { max: 1 });
  let registration: Awaited<ReturnType<typeof registeredMachine>>;
  try {
    registration = await registeredMachine(db, o.source, machineId);
  } finally {
    await db.destroy();
  }
  if (registration === undefined)
    throw new MachineAccountError(
      `machine ${machineId} is not in the registry (source ${o.source}); add it to the registry file and run npx hrvend registry apply first`,
    );
  if (!registration.active)
    throw new MachineAccountError(
      `machine ${machineId} is deactivated in the registry; set it active in the registry file and apply it first`,
    );
  const found = await machineAccount(admin, machineId);
  if (action === "add" && found === "machine")
    throw new MachineAccountError(
      `machine ${machineId} already has a broker account; npx hrvend machines rotate ${machineId} gives it a new password`,
    );
  if (action === "rotate" && found === "none")
    throw new MachineAccountError(
      `machine ${machineId} has no broker account; npx hrvend machines add ${machineId} creates one`,
    );
  // Someone else's account under this name (an operator, a test client): never replaced.
  if (found === "other") throw notAMachine(machineId);
  const password = newMachinePassword();
  const bundle = provisioningBundle({
    machineId,
    prisonId: registration.prisonId,
    brokerUrl: o.brokerUrl ?? localMqttUrl(config),
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
      `${action === "add" ? "created" : "rotated"} the broker account of ${machineId} (prison ${registration.prisonId}); bundle written to ${o.out} (it holds the password: hand it to the vendor, then delete it)`,
    );
}

function dynsecAdmin(config: CliConfig, o: BrokerOptions): DynsecAdmin {
  if (o.controlUrl !== undefined) {
    if (o.controlPasswordFile === undefined)
      throw new Error("--control-url needs --control-password-file (the plugin administrator's password)");
    return {
      url: o.controlUrl,
      username: o.controlUser,
      password: readFileSync(o.controlPasswordFile, "utf8").trim(),
      ...(o.controlCaFile === undefined ? {} : { ca: readFileSync(o.controlCaFile, "utf8") }),
    };
  }
  const broker = readStack(config.stateDir)?.parts.mosquitto;
  const control = broker ? readControl(broker.dir) : undefined;
  if (!control)
    throw new Error("no local stack is running (npx hrvend infra up) and no --control-url was given");
  return localDynsecAdmin(control);
}

function localMqttUrl(config: CliConfig): string {
  const state = readStack(config.stateDir);
  if (!state)
    throw new Error("no local stack is running (npx hrvend infra up) and no --broker-url was given");
  return urlsOf(state, loadOrCreateSecrets(config.stateDir)).mqtt;
}
