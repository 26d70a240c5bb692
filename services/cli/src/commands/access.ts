import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ACCESS, adminGroupProvisioning } from "@hrvend/dashboards";
import { readStack, urlsOf } from "@hrvend/local-stack";
import { loadOrCreateSecrets, newSecret } from "@hrvend/runtime";
import { createDb, grantAdmin, listAdmins, revokeAdmin } from "@hrvend/runtime/db";
import { translator } from "@hrvend/runtime/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";
import { deprecatedAlias } from "../conventions";
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
  const t = translator(config.lang, "cli");
  const cmd = new Command("access").description(t("access.description")).addHelpText(
    "after",
    `
${t("opt.examples")}
  npx hrvend access grant-admin staff_north --prison md-p13 --prison md-p18 --grafana-org 5
  npx hrvend access list
  npx hrvend access revoke-admin staff_north
  npx hrvend access oat-key --out /etc/hrvend/oat-token.key --secret-file /etc/hrvend/secrets/deployment`,
  );
  const url = (opts: { databaseUrl?: string }) => {
    if (opts.databaseUrl) return opts.databaseUrl;
    const state = readStack(config.stateDir);
    if (!state) throw new Error(t("errors.noStackFlag", { flag: "--database-url" }));
    return urlsOf(state, loadOrCreateSecrets(config.stateDir)).postgresAdmin;
  };
  const urlOption = t("access.url");

  cmd
    .command("grant-admin <login>")
    .description(t("access.grantAdmin"))
    .requiredOption(
      "--prison <id>",
      t("access.prison"),
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option("--database-url <url>", urlOption)
    .option("--grafana-org <id>", t("access.grafanaOrg"))
    .option("--provisioning-dir <dir>", t("access.provisioningDir"), "grafana-provisioning")
    .addHelpText(
      "after",
      `
${t("access.grantHelp")}

${t("opt.examples")}
  npx hrvend access grant-admin staff_north --prison md-p13 --prison md-p18
  npx hrvend access grant-admin staff_north --prison md-p13 --grafana-org 5 --provisioning-dir /etc/grafana/provisioning
  npx hrvend access grant-admin staff_ministry --prison '*' --database-url postgres://postgres@/hrvend?host=/var/run/postgresql`,
    )
    .action(
      async (
        login: string,
        opts: { prison: string[]; databaseUrl?: string; grafanaOrg?: string; provisioningDir: string },
      ) => {
        const orgId = opts.grafanaOrg === undefined ? undefined : Number(opts.grafanaOrg);
        if (orgId !== undefined && (!Number.isInteger(orgId) || orgId < 1))
          throw new Error(t("access.badOrg", { value: opts.grafanaOrg }));
        const reserved = Object.values(ACCESS).map((a) => a.orgId);
        if (orgId !== undefined && reserved.includes(orgId))
          throw new Error(t("access.audienceOrg", { org: orgId, reserved: reserved.join(", ") }));
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
        console.log(t("access.granted", { login, prisons: opts.prison.join(", "), file: resolve(pwFile) }));
        if (orgId !== undefined) {
          const files = adminGroupProvisioning(login, orgId);
          for (const [name, text] of files.files) {
            const path = resolve(opts.provisioningDir, name);
            mkdirSync(resolve(path, ".."), { recursive: true });
            writeFileSync(path, text);
            console.log(t("wrote", { file: path }));
          }
          console.log(t("access.grafanaNext", { org: orgId, env: files.passwordEnv }));
        }
      },
    );

  cmd
    .command("revoke-admin <login>")
    .description(t("access.revokeAdmin"))
    .option("--database-url <url>", urlOption)
    .action(async (login: string, opts: { databaseUrl?: string }) => {
      const db = createDb(url(opts), { max: 1 });
      try {
        await revokeAdmin(db, login);
      } finally {
        await db.destroy();
      }
      console.log(t("access.revoked", { login }));
    });

  cmd
    .command("oat-key")
    .description(t("access.oatKey"))
    .requiredOption("--out <file>", t("access.out"))
    .option("--secret-file <file>", t("access.secretFile"))
    .addHelpText(
      "after",
      `
${t("access.oatKeyHelp")}

${t("opt.example")}
  npx hrvend access oat-key --out oat-token.key --secret-file /etc/hrvend/secrets/deployment`,
    )
    .action((opts: { out: string; secretFile?: string }) => {
      const key = oatClientTokenKey(deploymentSecret(config, opts.secretFile));
      writeFileSync(opts.out, formatOatTokenKey(key), { mode: 0o600 });
      console.log(t("access.oatKeyWritten", { file: resolve(opts.out) }));
    });

  cmd
    .command("list")
    .description(t("access.list"))
    .option("--database-url <url>", urlOption)
    .option("--json", t("alerts.json"))
    .action(async (opts: { databaseUrl?: string; json?: boolean }) => {
      const db = createDb(url(opts), { max: 1 });
      try {
        const admins = await listAdmins(db);
        if (opts.json)
          return console.log(
            JSON.stringify(
              admins.map((a) => ({ login: a.login, prisons: a.prisons })),
              null,
              2,
            ),
          );
        for (const a of admins) console.log(`${a.login}\t${a.prisons.join(", ")}`);
      } finally {
        await db.destroy();
      }
    });
  // One name per concept: the database is --database-url everywhere; --url still works, with a warning.
  for (const sub of cmd.commands)
    if (sub.options.some((o) => o.long === "--database-url"))
      deprecatedAlias(sub, "--url <url>", "--database-url", { lang: config.lang });
  return cmd;
}
