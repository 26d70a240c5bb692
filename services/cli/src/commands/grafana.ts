import { ACCESS_PLAN, applyGrafanaAccess, type GrafanaFetch } from "@hrvend/dashboards";
import { translator } from "@hrvend/runtime/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";
import { deprecatedAlias } from "../conventions";

/** `hrvend grafana apply-access`: what Grafana's file provisioning cannot set (organizations, folder permissions). */
export function grafanaCommand(config: CliConfig): Command {
  const t = translator(config.lang, "cli");
  const cmd = new Command("grafana")
    .description(t("grafana.description"))
    .addHelpText(
      "after",
      `\n${t("opt.examples")}\n  GF_SECURITY_ADMIN_PASSWORD=… npx hrvend grafana apply-access --grafana-url https://grafana.hrvend.internal:3000`,
    );
  cmd
    .command("apply-access")
    .description(t("grafana.applyAccess"))
    .requiredOption("--grafana-url <url>", t("grafana.url"))
    .option("--user <name>", t("grafana.user"), "admin")
    .addHelpText(
      "after",
      `
${t("grafana.help")}

${t("opt.examples")}
  GF_SECURITY_ADMIN_PASSWORD=… npx hrvend grafana apply-access --grafana-url https://127.0.0.1:3000`,
    )
    .action(async (opts: { grafanaUrl: string; user: string }) => {
      const password = config.env["GF_SECURITY_ADMIN_PASSWORD"];
      if (!password) throw new Error(t("grafana.noPassword"));
      const auth = `Basic ${Buffer.from(`${opts.user}:${password}`).toString("base64")}`;
      const api: GrafanaFetch = async (method, path, body, orgId) => {
        const r = await fetch(new URL(path, opts.grafanaUrl), {
          method,
          headers: {
            authorization: auth,
            "content-type": "application/json",
            ...(orgId === undefined ? {} : { "x-grafana-org-id": String(orgId) }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await r.text();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON: keep the text for the error
        }
        return { status: r.status, body: parsed };
      };
      await applyGrafanaAccess(api, ACCESS_PLAN, (l) => console.log(l));
    });
  // --url alone said nothing of which server; like --database-url, --nats-url, --mqtt-url.
  for (const sub of cmd.commands) deprecatedAlias(sub, "--url <url>", "--grafana-url", { lang: config.lang });
  return cmd;
}
