/**
 * Broker account names a machine may never have: the office sources (`<prison>-census`,
 * `<prison>-health`), the registry source (`registry`), and hrvend's own accounts (`hrvend-*`:
 * the gateway, the operator, the plugin's administrator locally `hrvend-dynsec` and in
 * production `hrvend-admin`). A machine is username = client id = machine id, so a machine named
 * like one of them would be that account: `machines rotate` would replace its password.
 * Returns why the id is reserved, or undefined when a machine may use it.
 */
export function reservedAccountReason(id: string): string | undefined {
  if (id === "registry") return "it is the registry source's broker account";
  if (id.endsWith("-census")) return "'<prison>-census' is a census office's broker account";
  if (id.endsWith("-health")) return "'<prison>-health' is a health unit's broker account";
  if (id.startsWith("hrvend-"))
    return "'hrvend-*' names hrvend's own broker accounts (gateway, operator, administrator)";
  return undefined;
}
