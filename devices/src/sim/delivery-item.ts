/**
 * What the simulation hands to a sink, per source, in the order the broker would receive it
 * (arrival order): events generated while a machine was offline come after its reconnect.
 */
export type DeliveryItem =
  /** A machine (re)connects, registering `willPayload` as its MQTT last will. */
  | { type: "connect"; source: string; prisonId: string; willTopic: string; willPayload: string }
  /** An event to publish (QoS 1). `device` is false for office sources (census, health unit, registry). */
  | { type: "event"; source: string; device: boolean; topic: string; key: string; payload: string }
  /** The machine's connection died: the broker publishes its will (`payload`). */
  | { type: "will"; source: string; topic: string; key: string; payload: string }
  /** Clean disconnect after the machine published its shutdown status. */
  | { type: "disconnect"; source: string };
