import { kindsOfSourceType, mqttSourceTopic, type SourceType } from "@hrvend/schemas";

/** A broker account: a device, an office source, the gateway, or a test client. */
export interface MqttUser {
  username: string;
  password: string;
  /** Topics (filters) the account may publish to. */
  publish?: string[];
  /**
   * Topic filters the account may subscribe to (plain, or in any `$share/<group>/` form) and
   * receive. An account without any may subscribe to nothing at all: the broker refuses the
   * SUBSCRIBE (SUBACK 0x80 / reason 135).
   */
  subscribe?: string[];
  /**
   * The only MQTT client id the account may connect with. Every source account is bound to its
   * own id: Mosquitto hands a client id's persistent session (its subscriptions and queue) to
   * whoever connects with it next, whatever the username, so an unbound machine could take over
   * another machine's or a gateway's session. Accounts that use several ids (the gateway) stay
   * unbound; they are not sources.
   */
  clientId?: string;
}

/**
 * A machine may publish only its own kinds under its own topic,
 * hr/v1/<prison>/machine/<machine>/<kind>, one ACL line per kind. It may subscribe to nothing.
 */
export function deviceUser(prisonId: string, machineId: string, password: string): MqttUser {
  return sourceUser(prisonId, "machine", machineId, password);
}

/**
 * Any source's account: it may publish exactly the kinds of its source type, under its own type
 * level and source id, in the given prison(s) (`+` for every prison, e.g. a programme registry).
 */
export function sourceUser(
  prisons: string | string[],
  type: SourceType,
  sourceId: string,
  password: string,
  username = sourceId,
): MqttUser {
  const publish: string[] = [];
  for (const p of Array.isArray(prisons) ? prisons : [prisons])
    for (const kind of kindsOfSourceType(type)) publish.push(mqttSourceTopic(p, type, sourceId, kind));
  return { username, password, publish, clientId: username };
}
