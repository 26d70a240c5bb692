import { aclsOf, type DynsecAdmin, deviceUser, dynsecRequest, roleOf } from "@hrvend/runtime";

/** The broker refused an account change, or the account is not in the state the command needs. */
export class MachineAccountError extends Error {
  override readonly name = "MachineAccountError";
}

/**
 * The plugin's group every account `machines add` makes belongs to (no role: the group only
 * marks it). rotate and revoke change nothing else, so a machine id that happens to name an
 * office's, an operator's or the administrator's account cannot take it over or delete it.
 */
export const MACHINES_GROUP = "machines";

/** The account under the machine's id: none, a machine's (in group machines), or someone else's. */
export async function machineAccount(
  admin: DynsecAdmin,
  machineId: string,
): Promise<"none" | "machine" | "other"> {
  const [r] = await dynsecRequest(admin, [{ command: "getClient", username: machineId }]);
  if (r === undefined || r.error !== undefined) return "none";
  const groups = (r.data?.["client"] as { groups?: { groupname?: unknown }[] } | undefined)?.groups ?? [];
  return groups.some((g) => g.groupname === MACHINES_GROUP) ? "machine" : "other";
}

/** Refuses, before any change, an id that is not a machine's account (see MACHINES_GROUP). */
export async function requireMachineAccount(admin: DynsecAdmin, machineId: string): Promise<void> {
  const found = await machineAccount(admin, machineId);
  if (found === "none") throw new MachineAccountError(`machine ${machineId} has no broker account`);
  if (found === "other") throw notAMachine(machineId);
}

export const notAMachine = (machineId: string): MachineAccountError =>
  new MachineAccountError(
    `broker account ${machineId} is not a machine's account (not in the plugin's group '${MACHINES_GROUP}'); hrvend machines changes only accounts it made`,
  );

/**
 * Creates (or replaces) the machine's account: username = client id = machine id, bound to that
 * client id, its own role granting only its kinds under hr/v1/<prison>/machine/<id>/, a member
 * of group machines. The caller checks first that the id is free or a machine's. Replacing
 * deletes the old client first, which the plugin disconnects at once (a rotated password or a
 * moved machine takes effect on the live session too).
 */
export async function putMachineAccount(
  admin: DynsecAdmin,
  prisonId: string,
  machineId: string,
  password: string,
): Promise<void> {
  const user = deviceUser(prisonId, machineId, password);
  const answers = await dynsecRequest(admin, [
    { command: "createGroup", groupname: MACHINES_GROUP },
    { command: "deleteClient", username: machineId },
    { command: "deleteRole", rolename: roleOf(machineId) },
    { command: "createRole", rolename: roleOf(machineId), acls: aclsOf(user) },
    {
      command: "createClient",
      username: machineId,
      clientid: machineId,
      password,
      roles: [{ rolename: roleOf(machineId) }],
      groups: [{ groupname: MACHINES_GROUP }],
    },
  ]);
  // The first three may fail (the group exists, nothing to delete); the account's own may not.
  const failed = answers.slice(3).filter((a) => a.error !== undefined);
  if (failed.length > 0)
    throw new MachineAccountError(
      `the broker refused the account of ${machineId}: ${failed.map((a) => `${a.command}: ${a.error}`).join("; ")}`,
    );
}

/**
 * Deletes the machine's account and role (the caller checks first that it is a machine's). The plugin disconnects a connected session of the
 * deleted client at once, and the broker refuses its next connect (not authorised).
 */
export async function deleteMachineAccount(admin: DynsecAdmin, machineId: string): Promise<boolean> {
  const [client] = await dynsecRequest(admin, [
    { command: "deleteClient", username: machineId },
    { command: "deleteRole", rolename: roleOf(machineId) },
  ]);
  return client?.error === undefined;
}
