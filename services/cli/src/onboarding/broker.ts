import { aclsOf, type DynsecAdmin, deviceUser, dynsecRequest, roleOf } from "@hrvend/infra";

/** The broker refused an account change, or the account is not in the state the command needs. */
export class MachineAccountError extends Error {
  override readonly name = "MachineAccountError";
}

/** True when the broker's dynamic-security plugin has an account for the machine. */
export async function hasMachineAccount(admin: DynsecAdmin, machineId: string): Promise<boolean> {
  const [r] = await dynsecRequest(admin, [{ command: "getClient", username: machineId }]);
  return r !== undefined && r.error === undefined;
}

/**
 * Creates (or replaces) the machine's account: username = client id = machine id, bound to that
 * client id, its own role granting only its kinds under hr/v1/<prison>/machine/<id>/. Replacing
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
    { command: "deleteClient", username: machineId },
    { command: "deleteRole", rolename: roleOf(machineId) },
    { command: "createRole", rolename: roleOf(machineId), acls: aclsOf(user) },
    {
      command: "createClient",
      username: machineId,
      clientid: machineId,
      password,
      roles: [{ rolename: roleOf(machineId) }],
    },
  ]);
  // The first two may fail (nothing to delete); the account's own commands may not.
  const failed = answers.slice(2).filter((a) => a.error !== undefined);
  if (failed.length > 0)
    throw new MachineAccountError(
      `the broker refused the account of ${machineId}: ${failed.map((a) => `${a.command}: ${a.error}`).join("; ")}`,
    );
}

/**
 * Deletes the machine's account and role. The plugin disconnects a connected session of the
 * deleted client at once, and the broker refuses its next connect (not authorised).
 */
export async function deleteMachineAccount(admin: DynsecAdmin, machineId: string): Promise<boolean> {
  const [client] = await dynsecRequest(admin, [
    { command: "deleteClient", username: machineId },
    { command: "deleteRole", rolename: roleOf(machineId) },
  ]);
  return client?.error === undefined;
}
