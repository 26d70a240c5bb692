/** The narrow MQTT surface the sink uses, so the sink's logic is testable without a broker. */
export interface MqttConnector {
  connect(options: ConnectOptions): PublisherConnection;
}

export interface ConnectOptions {
  /** Fixed per source (the machine id), so the broker resumes the session (clean: false). */
  clientId: string;
  username: string;
  password: string;
  /** Last will, published by the broker if the connection dies without a DISCONNECT. */
  will?: { topic: string; payload: string };
}

export interface PublisherConnection {
  /** Publishes with QoS 1; resolves on PUBACK. Survives broker restarts (the client reconnects and resends). */
  publish(topic: string, payload: string): Promise<void>;
  /** Drops the connection without DISCONNECT, so the broker publishes the will. */
  kill(): Promise<void>;
  /** Sends DISCONNECT (the will is discarded) and closes. */
  close(): Promise<void>;
}
