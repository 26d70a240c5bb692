import nodemailer from "nodemailer";
import { type Channel, DeliveryError } from "./channel";

/**
 * E-mail over SMTP (nodemailer). The Message-ID is the step's deterministic one, so a message
 * sent again after a crash (accepted by the server, not yet marked sent) is the same message to
 * every mail system that deduplicates on it; X-Hrvend-Step names the step.
 */
export function emailChannel(
  smtpUrl: string,
  from: string,
  timeoutMs: number,
  auth?: { user: string; pass: string },
): Channel {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    ...(auth ? { auth } : {}),
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
        const code =
          (cause as { responseCode?: number; code?: string }).responseCode ??
          (cause as { code?: string }).code;
        throw new DeliveryError("email", `SMTP delivery failed (${code ?? "no code"})`, { cause });
      }
    },
    close: () => transport.close(),
  };
}
