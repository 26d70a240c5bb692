import type { ConnectOptions, MqttConnector, PublisherConnection } from "./mqtt-connector";

export interface MemoryMessage {
  topic: string;
  payload: string;
  clientId: string;
  /** True for a will the "broker" published after a killed connection. */
  will: boolean;
}

/**
 * An in-process stand-in for a broker, for unit tests of the MQTT sink: records every
 * published byte and connection, fires wills on kill, and can hold acknowledgements back.
 */
export class MemoryConnector implements MqttConnector {
  readonly messages: MemoryMessage[] = [];
  readonly connections: ConnectOptions[] = [];
  private paused = false;
  private held: (() => void)[] = [];
  private readonly open = new Set<() => void>();

  connect(options: ConnectOptions): PublisherConnection {
    this.connections.push(options);
    let open = true;
    const die = () => {
      if (open && options.will)
        this.messages.push({ ...options.will, clientId: options.clientId, will: true });
      open = false;
      this.open.delete(die);
    };
    this.open.add(die);
    return {
      publish: (topic, payload) =>
        new Promise<void>((resolve) => {
          const deliver = () => {
            this.messages.push({ topic, payload, clientId: options.clientId, will: false });
            resolve();
          };
          if (this.paused) this.held.push(deliver);
          else queueMicrotask(deliver);
        }),
      kill: async () => die(),
      close: async () => {
        open = false;
        this.open.delete(die);
      },
    };
  }

  /**
   * The publishing process was killed: every connection still open dies without DISCONNECT, so
   * the broker publishes each one's will; held messages never arrive.
   */
  crash(): void {
    for (const die of [...this.open]) die();
    this.held = [];
  }

  /** Holds PUBACKs (a broker that stopped answering) until resume(). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const fn of held) fn();
  }
}
