import { ACCESS_PLAN, applyGrafanaAccess, type GrafanaFetch } from "@hrvend/dashboards";
import { translator } from "@hrvend/infra/i18n";
import { Command } from "commander";
import type { CliConfig } from "../config";

/** `hrvend grafana apply-access`: what Grafana's file provisioning cannot set (organizations, folder permissions). */
export function grafanaCommand(config: CliConfig): Command {
  const cmd = new Command("grafana")
    .description(translator(config.lang, "cli")("grafana.description"))
    .addHelpText(
      "after",
      "\nExamples:\n  GF_SECURITY_ADMIN_PASSWORD=… npx hrvend grafana apply-access --url https://grafana.hrvend.internal:3000",
    );
  cmd
    .command("apply-access")
    .description(
      "create the audiences' organizations and set their folders' permissions (dashboards/provisioning/access/hrvend-access.json)",
    )
    .requiredOption("--url <url>", "Grafana's base URL")
    .option("--user <name>", "Grafana server admin", "admin")
    .addHelpText(
      "after",
      `
The admin password comes from GF_SECURITY_ADMIN_PASSWORD (never an argument). Run once Grafana
has started with the provisioning files and created the folders; again after a change. A fresh
Grafana numbers new organizations 2, 3, 4… in order, which the datasource and dashboard files
expect (operators 1, outreach coordinators 2, funders 3, national administration 4).

Examples:
  GF_SECURITY_ADMIN_PASSWORD=… npx hrvend grafana apply-access --url https://127.0.0.1:3000`,
    )
    .action(async (opts: { url: string; user: string }) => {
      const password = config.env["GF_SECURITY_ADMIN_PASSWORD"];
      if (!password) throw new Error("GF_SECURITY_ADMIN_PASSWORD is not set (Grafana's admin password)");
      const auth = `Basic ${Buffer.from(`${opts.user}:${password}`).toString("base64")}`;
      const api: GrafanaFetch = async (method, path, body, orgId) => {
        const r = await fetch(new URL(path, opts.url), {
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
  return cmd;
}
