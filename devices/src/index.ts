export { simulateCommand } from "./cli";
export { loadSimulateConfig, parseSpeed, type SimulateConfig, type SimulateOptions } from "./config";
export { cardToken, cardTokenKey } from "./crypto/cardToken";
export { type DeviceCredential, deviceCredentials } from "./crypto/deviceCredentials";
export { devicePassword } from "./crypto/devicePassword";
export { FileSink } from "./delivery/fileSink";
export { formatLedgerLine } from "./delivery/formatLedgerLine";
export { MemoryConnector, type MemoryMessage } from "./delivery/memoryConnector";
export type { ConnectOptions, MqttConnector, PublisherConnection } from "./delivery/mqttConnector";
export { mqttJsConnector } from "./delivery/mqttJsConnector";
export { MqttSink, type MqttSinkOptions } from "./delivery/mqttSink";
export { OutboxStore, type RunFingerprint } from "./delivery/outboxStore";
export type { Sink } from "./delivery/sink";
export { ConfigError, OutboxStateError, ScenarioError, SecretError, SinkError } from "./errors";
export { DemandProfile } from "./model/demandProfile";
export { QuotaPolicy, type QuotaRule } from "./model/quotaPolicy";
export {
  type RunOptions,
  type RunProgress,
  type RunSummary,
  runSimulation,
  type Speed,
} from "./run/runSimulation";
export { type SimulateHooks, simulate } from "./run/simulate";
export { BUILTIN_SCENARIOS, loadScenario, SCENARIOS_DIR } from "./scenario/loadScenario";
export { parseScenario } from "./scenario/parseScenario";
export {
  censusSourceId,
  healthSourceId,
  PlacementSpec,
  PROGRAMME_PRISON_ID,
  REGISTRY_SOURCE_ID,
  type Scenario,
  ScenarioSpec,
} from "./scenario/scenarioSchema";
export type { DeliveryItem } from "./sim/deliveryItem";
export type { LedgerFact, LedgerFactName } from "./sim/ledgerFact";
export {
  type OutreachLine,
  type OutreachMachine,
  type OutreachPlan,
  OutreachPlanError,
  type OutreachPlanner,
  type OutreachPlanRequest,
  type OutreachSlot,
} from "./sim/outreachPlanner";
export { NULL_OUTPUT, type SimOutput } from "./sim/simOutput";
export { Simulation, type SimulationOptions } from "./sim/simulation";
