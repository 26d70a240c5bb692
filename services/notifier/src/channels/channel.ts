import type { DueMessage } from "../store/outbox";

/** A way to reach a person. `send` resolves once the other side accepted the message. */
export interface Channel {
  send(m: DueMessage): Promise<void>;
  close?(): void;
}

/** A delivery the other side refused or that did not complete; the message is tried again later. */
export class DeliveryError extends Error {
  override readonly name = "DeliveryError";
  constructor(
    readonly channel: "email" | "webhook",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
