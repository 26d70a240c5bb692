import nodemailer from "nodemailer";
import { type Channel, DeliveryError } from "./channel";

/**
 * E-mail over SMTP (nodemailer). The Message-ID is the step's deterministic one, so a message
 * sent again after a crash (accepted by the server, not yet marked sent) is the same message to
 * every mail system that deduplicates on it; X-Hrvend-Step names the step. With `requireTLS`
 * (config.ts, smtpRequiresTls) a relay that does not offer STARTTLS gets neither the login nor the
 * message: the try fails.
 */
export function emailChannel(
  smtpUrl: string,
  from: string,
  timeoutMs: number,
  auth: { user: string; pass: string } | undefined,
  requireTLS: boolean,
): Channel {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    ...(auth ? { auth } : {}),
    requireTLS,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(m) {
      try {
        await transport.sendMail({
          from,
          to: m.address,
          subject: m.subject,
          text: m.body,
          messageId: m.messageId,
          headers: { "X-Hrvend-Step": m.stepKey },
        });
      } catch (cause) {
        const c = cause as { responseCode?: number; code?: string };
        const reason =
          c.code === "ETLS"
            ? "the relay did not set up TLS (STARTTLS required); nothing sent"
            : `SMTP delivery failed (${c.responseCode ?? c.code ?? "no code"})`;
        throw new DeliveryError("email", reason, { cause });
      }
    },
    close: () => transport.close(),
  };
}
