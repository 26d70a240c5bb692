import { randomBytes } from "node:crypto";
import { MACHINE_KINDS, mqttSourceTopic, SCHEMA_VERSION } from "@hrvend/schemas";

/**
 * What a vendor needs to connect one machine, and nothing else: where the broker is, who the
 * machine is on it, where it may publish, and which contract its payloads follow.
 */
export interface ProvisioningBundle {
  machineId: string;
  prisonId: string;
  broker: {
    url: string;
    protocol: "MQTT 3.1.1 (or 5)";
    qos: 1;
    cleanSession: false;
    /** PEM of the deployment's CA, when the broker's certificate is signed by it. */
    caCertificate?: string;
  };
  /** The only client id the account may connect with (its persistent session). */
  clientId: string;
  username: string;
  /** Generated for this bundle; hrvend keeps only the broker's hash of it. */
  password: string;
  /** Every topic the machine publishes on starts with this; then the kind. */
  topicPrefix: string;
  /** One topic per kind the machine may publish (its will is a status event). */
  topics: Record<string, string>;
  contract: {
    /** The payloads' `v`. */
    schemaVersion: number;
    asyncapi: string;
    html: string;
  };
  notes: string[];
}

/** A new machine password: 192 random bits, base64url (no shell or URL quoting needed). */
export const newMachinePassword = (): string => randomBytes(24).toString("base64url");

export function provisioningBundle(o: {
  machineId: string;
  prisonId: string;
  brokerUrl: string;
  password: string;
  contractBase: string;
  caCertificate?: string;
}): ProvisioningBundle {
  const prefix = mqttSourceTopic(o.prisonId, "machine", o.machineId, "");
  const base = o.contractBase.replace(/\/+$/, "");
  return {
    machineId: o.machineId,
    prisonId: o.prisonId,
    broker: {
      url: o.brokerUrl,
      protocol: "MQTT 3.1.1 (or 5)",
      qos: 1,
      cleanSession: false,
      ...(o.caCertificate === undefined ? {} : { caCertificate: o.caCertificate }),
    },
    clientId: o.machineId,
    username: o.machineId,
    password: o.password,
    topicPrefix: prefix,
    topics: Object.fromEntries(MACHINE_KINDS.map((k) => [k, `${prefix}${k}`])),
    contract: {
      schemaVersion: SCHEMA_VERSION,
      asyncapi: `${base}/asyncapi.json`,
      html: `${base}/asyncapi.html`,
    },
    notes: [
      "The password is shown once; hrvend does not keep it. Lost: `hrvend machines rotate`.",
      "Number events per machine from seq 1, never reuse one, keep unsent events on disk and replay them oldest first.",
      "Set a will (status offline, reason connection_lost) and publish status online at connect.",
      "The account may publish only these topics and subscribe to nothing.",
    ],
  };
}
