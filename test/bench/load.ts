import { EXAMPLES } from "@hrvend/schemas";
import mqtt, { type MqttClient } from "mqtt";

export interface Fleet {
  prisonId: string;
  machines: string[];
  clients: MqttClient[];
}

/** Connects one MQTT client per simulated machine (its own credentials). */
export async function connectFleet(
  url: string,
  prisonId: string,
  machines: string[],
  password: (m: string) => string,
): Promise<Fleet> {
  const clients = await Promise.all(
    machines.map((m) =>
      mqtt.connectAsync(url, {
        username: m,
        password: password(m),
        clientId: m,
        clean: false,
        protocolVersion: 4,
      }),
    ),
  );
  return { prisonId, machines, clients };
}

export function dispensePayload(prisonId: string, machineId: string, seq: number, at: Date): string {
  return JSON.stringify({ ...EXAMPLES.dispense, prisonId, machineId, seq, deviceTime: at.toISOString() });
}

/**
 * Publishes `perMachine` events from every machine as fast as the broker acknowledges them,
 * keeping at most `window` unacknowledged publishes per client. Resolves when all are PUBACKed.
 */
export async function blast(
  fleet: Fleet,
  perMachine: number,
  opts: { window?: number; topic?: (machine: string) => string; firstSeq?: number; time?: () => Date } = {},
): Promise<void> {
  const window = opts.window ?? 200;
  await Promise.all(
    fleet.clients.map(
      (client, i) =>
        new Promise<void>((resolve, reject) => {
          const machine = fleet.machines[i]!;
          const topic = opts.topic?.(machine) ?? `hr/v1/${fleet.prisonId}/machine/${machine}/dispense`;
          let next = opts.firstSeq ?? 1;
          const last = next + perMachine - 1;
          let inFlight = 0;
          let done = 0;
          const pump = () => {
            while (inFlight < window && next <= last) {
              const seq = next++;
              inFlight++;
              client.publish(
                topic,
                dispensePayload(
                  fleet.prisonId,
                  machine,
                  seq,
                  opts.time?.() ?? new Date(1_700_000_000_000 + seq * 1000),
                ),
                { qos: 1 },
                (err) => {
                  if (err) return reject(err);
                  inFlight--;
                  done++;
                  if (done === perMachine) resolve();
                  else pump();
                },
              );
            }
          };
          pump();
        }),
    ),
  );
}

/** Publishes at a fixed total rate for `seconds`, each event stamped with its send time. */
export async function steady(
  fleet: Fleet,
  ratePerSecond: number,
  seconds: number,
  firstSeq: number,
): Promise<number> {
  const total = ratePerSecond * seconds;
  const start = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const i = n % fleet.clients.length;
    const machine = fleet.machines[i]!;
    const seq = firstSeq + Math.floor(n / fleet.clients.length);
    pending.push(
      fleet.clients[i]!.publishAsync(
        `hr/v1/${fleet.prisonId}/machine/${machine}/dispense`,
        dispensePayload(fleet.prisonId, machine, seq, new Date()),
        { qos: 1 },
      ),
    );
  }
  await Promise.all(pending);
  return total;
}
