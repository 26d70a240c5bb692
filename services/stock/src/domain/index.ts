// The stock service's pure domain: no I/O, no clock. Adapters feed it events in stream order
// and store what it returns.
export {
  type Alert,
  acknowledge,
  applyAlertCommand,
  markReminded,
  type Reminder,
  remindersDue,
} from "./alert";
export { alertAckEvent, operatorSeq } from "./alert-ack";
export { type AlertCondition, alertConditions } from "./alert-conditions";
export { type AlertPolicy, alertPolicy, DEFAULT_ALERT_POLICY } from "./alert-policy";
export { type AlertType, faultAlertType } from "./alert-type";
export {
  type Arrival,
  applyArrivals,
  applyDeadSeqs,
  type BatchEffects,
  type BatchState,
  type DeadSeq,
  type EventBatchEffects,
  type MachineGap,
  machinesOf,
  type StoredMachine,
} from "./apply-batch";
export {
  type Availability,
  availability,
  type Interval,
  type LevelPoint,
  onlineIntervals,
} from "./availability";
export { type AlertCommand, decideAlerts, evolveAlerts } from "./decide-alerts";
export { AlertLifecycleError, InvalidTimeError, MachineMismatchError } from "./errors";
export { evolveMachine, isDuplicate, type MachineInput } from "./evolve-machine";
export { evolveCatalog, type ItemCatalog, type ItemCategory, type ItemInfo } from "./item-catalog";
export { type LevelChange, levelChangeOf } from "./level-change";
export { deviceNow, type LiveTick, liveTick } from "./live-tick";
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
} from "./machine-state";
export { type MachineStep, processMachineEvent } from "./process-machine-event";
export { NO_SEQS_SEEN, type SeenSeqs } from "./seen-seqs";
export {
  type Admitted,
  admitInOrder,
  markDead,
  NEW_SEQ_ORDER,
  type OrderClock,
  releaseOverdue,
  type SeqOrder,
  type SkippedGap,
} from "./seq-order";
export { markSilent, silentSince } from "./silence";
export { tickMachine } from "./tick-machine";
