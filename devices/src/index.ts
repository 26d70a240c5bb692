export { simulateCommand } from "./cli";
export { loadSimulateConfig, parseSpeed, type SimulateConfig, type SimulateOptions } from "./config";
export { cardToken, cardTokenKey } from "./crypto/card-token";
export { type DeviceCredential, deviceCredentials } from "./crypto/device-credentials";
export { devicePassword } from "./crypto/device-password";
export { FileSink } from "./delivery/file-sink";
export { formatLedgerLine } from "./delivery/format-ledger-line";
export { MemoryConnector, type MemoryMessage } from "./delivery/memory-connector";
export type { ConnectOptions, MqttConnector, PublisherConnection } from "./delivery/mqtt-connector";
export { mqttJsConnector } from "./delivery/mqtt-js-connector";
export { MqttSink, type MqttSinkOptions } from "./delivery/mqtt-sink";
export { OutboxStore, type RunFingerprint } from "./delivery/outbox-store";
export type { Sink } from "./delivery/sink";
export { ConfigError, OutboxStateError, ScenarioError, SecretError, SinkError } from "./errors";
export { DemandProfile } from "./model/demand-profile";
export { QuotaPolicy, type QuotaRule } from "./model/quota-policy";
export {
  type RunOptions,
  type RunProgress,
  type RunSummary,
  runSimulation,
  type Speed,
} from "./run/run-simulation";
export { type SimulateHooks, simulate } from "./run/simulate";
export { BUILTIN_SCENARIOS, loadScenario, SCENARIOS_DIR } from "./scenario/load-scenario";
export { parseScenario } from "./scenario/parse-scenario";
export {
  censusSourceId,
  healthSourceId,
  PlacementSpec,
  PROGRAMME_PRISON_ID,
  REGISTRY_SOURCE_ID,
  type Scenario,
  ScenarioSpec,
} from "./scenario/scenario-schema";
export type { DeliveryItem } from "./sim/delivery-item";
export type { LedgerFact, LedgerFactName } from "./sim/ledger-fact";
export {
  type OutreachLine,
  type OutreachMachine,
  type OutreachPlan,
  OutreachPlanError,
  type OutreachPlanner,
  type OutreachPlanRequest,
  type OutreachSlot,
} from "./sim/outreach-planner";
export { NULL_OUTPUT, type SimOutput } from "./sim/sim-output";
export { Simulation, type SimulationOptions } from "./sim/simulation";
