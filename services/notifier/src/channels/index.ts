import type { NotifierConfig } from "../config";
import { smtpRequiresTls } from "../config";
import type { Channel } from "./channel";
import { emailChannel } from "./email";
import { webhookChannel } from "./webhook";

/** The delivery channels the configuration asks for: e-mail when SMTP_URL is set, webhooks always. */
export function channelsOf(config: NotifierConfig): { email?: Channel; webhook: Channel } {
  const auth =
    config.SMTP_USER && config.SMTP_PASSWORD
      ? { user: config.SMTP_USER, pass: config.SMTP_PASSWORD }
      : undefined;
  const email = config.SMTP_URL
    ? emailChannel(
        config.SMTP_URL,
        config.MAIL_FROM,
        config.SEND_TIMEOUT_MS,
        auth,
        smtpRequiresTls(config.SMTP_URL),
      )
    : undefined;
  return { ...(email ? { email } : {}), webhook: webhookChannel(config.SEND_TIMEOUT_MS) };
}
