import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ACCESS, adminGroupProvisioning } from "@hrvend/dashboards";
import { loadOrCreateSecrets, newSecret, readStack, urlsOf } from "@hrvend/infra";
import { createDb, grantAdmin, listAdmins, revokeAdmin } from "@hrvend/infra/db";
import { translator } from "@hrvend/infra/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";
import { oatClientTokenKey } from "../imports/token";
import { formatOatTokenKey } from "../imports/token-key";
import { deploymentSecret } from "../publish/deployment-secret";

/**
 * `hrvend access`: prison administration logins. Each prison's staff group logs in to the
 * database with a role of its own, member of hrvend_admin, that sees only the prisons granted
 * here (row-level security, migration 0010_audiences); Grafana reaches it through a datasource in
 * the group's own organization.
 */
export function accessCommand(config: CliConfig): Command {
  const cmd = new Command("access")
    .description(translator(config.lang, "cli")("access.description"))
    .addHelpText(
      "after",
      `
Examples:
  npx hrvend access grant-admin staff_north --prison md-p13 --prison md-p18 --grafana-org 5
  npx hrvend access list
  npx hrvend access revoke-admin staff_north
  npx hrvend access oat-key --out /etc/hrvend/oat-token.key --secret-file /etc/hrvend/secrets/deployment`,
    );
  const url = (opts: { url?: string }) => {
    if (opts.url) return opts.url;
    const state = readStack(config.stateDir);
    if (!state) throw new Error("no local stack is running (npx hrvend infra up) and no --url was given");
    return urlsOf(state, loadOrCreateSecrets(config.stateDir)).postgresAdmin;
  };
  const urlOption = "PostgreSQL URL of the database's owner (default: the local stack's superuser)";

  cmd
    .command("grant-admin <login>")
    .description("create or update a prison staff group's login: it sees exactly the given prisons")
    .requiredOption(
      "--prison <id>",
      "a prison the login sees; repeat for several ('*': every prison)",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--url <url>", urlOption)
    .option(
      "--grafana-org <id>",
      "also write Grafana provisioning for the group: its datasource and the administration dashboards in this organization",
    )
    .option("--provisioning-dir <dir>", "where to write the Grafana files", "grafana-provisioning")
    .addHelpText(
      "after",
      `
The login's password is generated and written to <state dir>/admin-logins/<login>.password
(mode 0600, never printed); Grafana reads it from the environment variable the datasource file
names. Granting again replaces the login's prisons. Run as the database owner (the superuser
that migrates): the audience roles cannot change who sees what.

Examples:
  npx hrvend access grant-admin staff_north --prison md-p13 --prison md-p18
  npx hrvend access grant-admin staff_north --prison md-p13 --grafana-org 5 --provisioning-dir /etc/grafana/provisioning
  npx hrvend access grant-admin staff_ministry --prison '*' --url postgres://postgres@/hrvend?host=/var/run/postgresql`,
    )
    .action(
      async (
        login: string,
        opts: { prison: string[]; url?: string; grafanaOrg?: string; provisioningDir: string },
      ) => {
        const orgId = opts.grafanaOrg === undefined ? undefined : Number(opts.grafanaOrg);
        if (orgId !== undefined && (!Number.isInteger(orgId) || orgId < 1))
          throw new Error(`--grafana-org '${opts.grafanaOrg}' is not a Grafana organization id (1, 2, …)`);
        const reserved = Object.values(ACCESS).map((a) => a.orgId);
        if (orgId !== undefined && reserved.includes(orgId))
          throw new Error(
            `--grafana-org ${orgId} belongs to an audience (${reserved.join(", ")}): a staff group needs an organization of its own`,
          );
        const password = newSecret();
        const db = createDb(url(opts), { max: 1 });
        try {
          await grantAdmin(db, login, opts.prison, password);
        } finally {
          await db.destroy();
        }
        const dir = join(config.stateDir, "admin-logins");
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        const pwFile = join(dir, `${login}.password`);
        writeFileSync(pwFile, password, { mode: 0o600 });
        console.log(`${login}: sees ${opts.prison.join(", ")}; password in ${resolve(pwFile)}`);
        if (orgId !== undefined) {
          const files = adminGroupProvisioning(login, orgId);
          for (const [name, text] of files.files) {
            const path = resolve(opts.provisioningDir, name);
            mkdirSync(resolve(path, ".."), { recursive: true });
            writeFileSync(path, text);
            console.log(`wrote ${path}`);
          }
          console.log(
            `Grafana: create organization ${orgId} first (POST /api/orgs; file provisioning cannot), give the group's users a role in it, and set ${files.passwordEnv} to the password in Grafana's environment`,
          );
        }
      },
    );

  cmd
    .command("revoke-admin <login>")
    .description("the login sees no prison any more and leaves hrvend_admin")
    .option("--url <url>", urlOption)
    .action(async (login: string, opts: { url?: string }) => {
      const db = createDb(url(opts), { max: 1 });
      try {
        await revokeAdmin(db, login);
      } finally {
        await db.destroy();
      }
      console.log(`${login}: no prison, no longer a member of hrvend_admin`);
    });

  cmd
    .command("oat-key")
    .description("write the OAT token key for the health unit's import host (not the deployment secret)")
    .requiredOption("--out <file>", "where to write it (mode 0600; never printed)")
    .option(
      "--secret-file <file>",
      "the deployment secret (default: HRVEND_DEPLOYMENT_SECRET, or the local stack's)",
    )
    .addHelpText(
      "after",
      `
The key is HMAC-SHA256(deployment secret, "oat-client-token-key"), base64url: what
\`hrvend import oat --oat-key-file\` (or HRVEND_OAT_TOKEN_KEY_FILE) needs to turn the register's
client ids into tokens. It gives neither card tokens nor any broker password; the host also
needs its own account's password (<prison>-health in --mqtt-password-dir). Run as the owner.

Example:
  npx hrvend access oat-key --out oat-token.key --secret-file /etc/hrvend/secrets/deployment`,
    )
    .action((opts: { out: string; secretFile?: string }) => {
      const key = oatClientTokenKey(deploymentSecret(config, opts.secretFile));
      writeFileSync(opts.out, formatOatTokenKey(key), { mode: 0o600 });
      console.log(`OAT token key written to ${resolve(opts.out)}`);
    });

  cmd
    .command("list")
    .description("every administration login of the database and the prisons it sees")
    .option("--url <url>", urlOption)
    .action(async (opts: { url?: string }) => {
      const db = createDb(url(opts), { max: 1 });
      try {
        for (const a of await listAdmins(db)) console.log(`${a.login}\t${a.prisons.join(", ")}`);
      } finally {
        await db.destroy();
      }
    });
  return cmd;
}
