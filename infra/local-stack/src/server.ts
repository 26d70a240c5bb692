/** A running server of the stack. `stop` ends exactly this process (by pid). */
export interface ServerHandle {
  name: "postgres" | "nats" | "mosquitto";
  pid: number;
  port: number;
  url: string;
  dir: string;
  logFile: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** A directory owned by this server instance (created if missing). */
  dir: string;
  port: number;
  /** Outlive the calling process (`hrvend infra up`) instead of dying with it (tests). */
  detached?: boolean;
}
