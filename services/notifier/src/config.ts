import { readFileSync } from "node:fs";
import { ConfigError, configOrExit, parseEnv } from "@hrvend/runtime";
import { DEFAULT_STREAMS } from "@hrvend/runtime/nats";
import { z } from "zod";
import { isLoopbackUrl, type NotifierRules, parseRules } from "./domain";

export const NotifierEnv = z.object({
  NATS_URL: z.string().min(1),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  /** The notifier's own role (hrvend_notifier, migration 0021_notifier). */
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
  ALERTS_STREAM: z.string().default(DEFAULT_STREAMS.alerts ?? "HR_ALERTS"),
  CONSUMER: z
    .string()
    .regex(/^[\w-]+$/)
    .default("notifier"),
  BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(100),
  BATCH_WAIT_MS: z.coerce.number().int().min(1).max(10_000).default(50),
  /** Routing rules (YAML or JSON; example: infra/deploy/notifier/rules.example.yaml). */
  RULES_FILE: z.string().min(1),
  /**
   * smtp://host:port (STARTTLS, required unless the relay is on loopback) or smtps://host:465;
   * required when a contact is e-mail.
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "must be an smtp:// or smtps:// URL")
    .optional(),
  /** The relay's login, if it wants one (the password among the secrets). */
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  MAIL_FROM: z.string().min(3).default("hrvend <hrvend@localhost>"),
  /** Planning (reminders, escalation, digests) and sending run this often. */
  TICK_SECONDS: z.coerce.number().min(0.2).max(300).default(15),
  /** Time-driven steps wait while the consumer has more than this many alert messages pending (a replay). */
  LIVE_LAG_MESSAGES: z.coerce.number().int().min(0).default(100),
  /** Tries of one message before it is given up (status failed, shown to operators). */
  SEND_MAX_TRIES: z.coerce.number().int().min(1).max(50).default(8),
  /** Backoff between tries: base·2^(try−1) seconds, at most RETRY_MAX_SECONDS. */
  RETRY_BASE_SECONDS: z.coerce.number().min(0.1).default(30),
  RETRY_MAX_SECONDS: z.coerce.number().min(1).default(3600),
  /** Longest one SMTP or webhook delivery may take. */
  SEND_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** Messages sent per tick at most. */
  SEND_BATCH: z.coerce.number().int().min(1).max(1000).default(50),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9469),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});
export type NotifierEnvConfig = z.infer<typeof NotifierEnv>;

export interface NotifierConfig extends NotifierEnvConfig {
  rules: NotifierRules;
}

/**
 * Whether e-mail must go over TLS: yes, by STARTTLS, for an smtp:// relay on another host (a man in
 * the middle who strips STARTTLS would otherwise read SMTP_PASSWORD and the alerts); smtps:// is TLS
 * from the start; a relay on loopback never crosses the network.
 */
export function smtpRequiresTls(smtpUrl: string): boolean {
  return smtpUrl.startsWith("smtp://") && !isLoopbackUrl(smtpUrl);
}

/** Parses the environment and the rules file once, at start. */
export function loadNotifierConfig(env: Record<string, string | undefined>): NotifierConfig {
  const e = parseEnv(NotifierEnv, env, "notifier");
  let text: string;
  try {
    text = readFileSync(e.RULES_FILE, "utf8");
  } catch (cause) {
    throw new ConfigError(`invalid notifier configuration: RULES_FILE ${e.RULES_FILE} cannot be read`, {
      cause,
    });
  }
  const rules = parseRules(text, e.RULES_FILE);
  if (rules.contacts.some((c) => c.channel === "email") && e.SMTP_URL === undefined)
    throw new ConfigError(
      "invalid notifier configuration: SMTP_URL is required (the rules have e-mail contacts)",
    );
  return { ...e, rules };
}

/** The process's configuration, from its environment and rules file; a bad one exits with one line. */
export const notifierConfig = (): NotifierConfig =>
  configOrExit("notifier", () => loadNotifierConfig(process.env));
