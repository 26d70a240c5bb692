import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InfraError, type MqttUser } from "@hrvend/runtime";
import {
  DYNSEC_FILE,
  dynsecCommands,
  dynsecConfig,
  dynsecPluginPath,
  newControl,
  readControl,
  sendDynsecCommands,
  writeControl,
} from "@hrvend/runtime/broker";
import { waitForPort } from "./ports";
import { chownTree, isAlive, serviceUser, startProcess, stopPid, tail } from "./process";
import type { ServerHandle, StartOptions } from "./server";
import { renderConfig } from "./template";

const MOSQUITTO_BIN = "/usr/sbin/mosquitto";

/**
 * Starts mosquitto with persistence and the dynamic-security plugin holding every account and
 * its ACL (see mosquitto-dynsec.ts for why not acl_file); `users` seeds group `base`.
 */
export async function startMosquitto(opts: StartOptions & { users?: MqttUser[] }): Promise<ServerHandle> {
  if (!existsSync(MOSQUITTO_BIN))
    throw new InfraError("mosquitto is not installed; run infra/scripts/provision.sh");
  const as = serviceUser("mosquitto");
  mkdirSync(join(opts.dir, "data"), { recursive: true });
  mkdirSync(join(opts.dir, "users.d"), { recursive: true });
  const confFile = join(opts.dir, "mosquitto.conf");
  const logFile = join(opts.dir, "mosquitto.log");
  const control = { ...(readControl(opts.dir) ?? newControl(opts.port)), port: opts.port };
  writeControl(opts.dir, control);
  writeFileSync(
    confFile,
    renderConfig("mosquitto.conf", { port: opts.port, dir: opts.dir, dynsecPlugin: dynsecPluginPath() }),
  );
  const { after } = writeMqttUsers(opts.dir, "base", opts.users ?? []);
  // The plugin rewrites this file on every change; at start it is rebuilt from users.d, the
  // source of truth, so a restarted broker knows exactly the accounts its groups define.
  writeFileSync(join(opts.dir, DYNSEC_FILE), JSON.stringify(dynsecConfig([...after.values()], control)), {
    mode: 0o600,
  });
  chownTree(opts.dir, as);
  const child = startProcess(MOSQUITTO_BIN, ["-c", confFile], {
    logFile,
    detached: opts.detached ?? false,
    as,
  });
  const pid = child.pid;
  if (pid === undefined) throw new InfraError("could not spawn mosquitto", { logFile });
  await waitForPort(opts.port, "mosquitto", { alive: () => isAlive(pid), logTail: () => tail(logFile) });
  return {
    name: "mosquitto",
    pid,
    port: opts.port,
    url: `mqtt://127.0.0.1:${opts.port}`,
    dir: opts.dir,
    logFile,
    stop: () => stopPid(pid, "SIGTERM"),
  };
}

/**
 * Adds or replaces the accounts of one group (a test file, a scenario's devices) in the running
 * broker. Groups let several writers share one broker without clobbering each other; a lock
 * directory serialises the bookkeeping in users.d. Only accounts that changed are touched (the
 * plugin disconnects a client whose account it changes), through the plugin's control topic as
 * its administrator (control.json, written at start).
 */
export async function applyMqttUsers(
  dir: string,
  pid: number,
  group: string,
  users: MqttUser[],
): Promise<void> {
  if (!isAlive(pid)) throw new InfraError(`mosquitto (pid ${pid}) is not running`, { dir });
  const control = readControl(dir);
  if (!control) throw new InfraError(`no control account in ${dir}; was the broker started by hrvend?`);
  const { before, after } = writeMqttUsers(dir, group, users);
  const { commands, tolerated } = dynsecCommands(before, after);
  await sendDynsecCommands(control, commands, tolerated);
}

/** Writes one group's accounts to users.d; returns every group's accounts before and after. */
export function writeMqttUsers(
  dir: string,
  group: string,
  users: MqttUser[],
): { before: Map<string, MqttUser>; after: Map<string, MqttUser> } {
  if (!/^[\w-]+$/.test(group)) throw new InfraError(`bad user group name '${group}'`);
  for (const u of users) {
    if (!/^[\w-]+$/.test(u.username)) throw new InfraError(`bad MQTT username '${u.username}'`);
  }
  const lock = join(dir, "users.lock");
  return withLock(lock, () => {
    const groupsDir = join(dir, "users.d");
    mkdirSync(groupsDir, { recursive: true });
    const before = readGroups(groupsDir);
    writeFileSync(join(groupsDir, `${group}.json`), JSON.stringify(users), { mode: 0o600 });
    return { before, after: readGroups(groupsDir) };
  });
}

function readGroups(groupsDir: string): Map<string, MqttUser> {
  const all = new Map<string, MqttUser>();
  for (const f of readdirSync(groupsDir).sort()) {
    for (const u of JSON.parse(readFileSync(join(groupsDir, f), "utf8")) as MqttUser[])
      all.set(u.username, u);
  }
  return all;
}

function withLock<T>(lock: string, fn: () => T): T {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) throw new InfraError(`could not take lock ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
