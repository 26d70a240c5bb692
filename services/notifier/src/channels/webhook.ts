import { type Channel, DeliveryError } from "./channel";

/**
 * A generic JSON webhook (chat bots sit behind it): POST of the message's JSON with an
 * `Idempotency-Key` header (the step's Message-ID), the same on every try of the same step, so a
 * receiver that keeps the keys it has seen takes each step once. Any 2xx is accepted. A redirect is
 * not followed (it would carry the alert to a host the rules never name): it is a failed try.
 */
export function webhookChannel(timeoutMs: number): Channel {
  return {
    async send(m) {
      let res: Response;
      try {
        res = await fetch(m.address, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": m.messageId,
            "x-hrvend-step": m.stepKey,
          },
          body: JSON.stringify({
            messageId: m.messageId,
            stepKey: m.stepKey,
            subject: m.subject,
            ...m.payload,
          }),
          redirect: "error",
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (cause) {
        if ((cause as { cause?: { message?: string } }).cause?.message === "unexpected redirect")
          throw new DeliveryError("webhook", "webhook answered with a redirect (not followed)", { cause });
        const name = cause instanceof Error ? cause.name : "error";
        throw new DeliveryError("webhook", `webhook unreachable (${name})`, { cause });
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.status < 200 || res.status > 299)
        throw new DeliveryError("webhook", `webhook answered HTTP ${res.status}`);
    },
  };
}
