// The stock service's pure domain: no I/O, no clock. Adapters feed it events in stream order
// and store what it returns.
export {
  type Alert,
  acknowledge,
  applyAlertCommand,
  markReminded,
  REMINDER_TYPES,
  type Reminder,
  remindersDue,
} from "./alert";
export { type AlertCondition, alertConditions } from "./alertConditions";
export { type AlertPolicy, alertPolicy, DEFAULT_ALERT_POLICY } from "./alertPolicy";
export { ALERT_TYPES, type AlertType, faultAlertType } from "./alertType";
export {
  type Availability,
  availability,
  type Interval,
  type LevelPoint,
  onlineIntervals,
} from "./availability";
export { type AlertCommand, decideAlerts, evolveAlerts } from "./decideAlerts";
export { AlertLifecycleError, InvalidTimeError, MachineMismatchError } from "./errors";
export { evolveMachine, isDuplicate, type MachineInput } from "./evolveMachine";
export { evolveCatalog, type ItemCatalog, type ItemCategory, type ItemInfo } from "./itemCatalog";
export { type LevelChange, levelChangeOf } from "./levelChangeOf";
export { deviceNow, type LiveTick, liveTick } from "./liveTick";
export {
  addLots,
  expiredUnits,
  type LotQuantity,
  type LotState,
  lotsExpiringWithin,
  stockedLots,
  takeFefo,
  takeFromLot,
  usableUntil,
} from "./lots";
export {
  type ActiveAlert,
  alertKey,
  type Connection,
  type FaultCode,
  type FaultState,
  faultKey,
  type Health,
  initialMachineState,
  type MachineState,
  type SlotState,
} from "./machineState";
export { type MachineStep, processMachineEvent } from "./processMachineEvent";
export { NO_SEQS_SEEN, type SeenSeqs } from "./seenSeqs";
export {
  type Admitted,
  admitInOrder,
  MAX_HELD,
  markDead,
  NEW_SEQ_ORDER,
  type OrderClock,
  releaseOverdue,
  type SeqOrder,
  type SkippedGap,
} from "./seqOrder";
export { markSilent, silentSince } from "./silence";
export { tickMachine } from "./tickMachine";
