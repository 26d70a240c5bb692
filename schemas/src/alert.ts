import { z } from "zod";
import { DeviceTime, Id } from "./ids";

/**
 * An alert as the stock service publishes it on `hr.v1.<prison>.<machine>.alert` (JetStream
 * stream HR_ALERTS), for notifiers and dashboards: one message per lifecycle step.
 */
export const AlertMessage = z.strictObject({
  v: z.literal(1),
  alertId: z.string().min(1).max(200),
  step: z.enum(["raised", "cleared", "acknowledged", "reminder"]),
  type: z.string().min(1).max(40),
  prisonId: Id,
  machineId: Id,
  slotId: Id.nullable(),
  /** When the step happened (device time for raise/clear). */
  at: DeviceTime,
  raisedAt: DeviceTime,
  detail: z.string().max(500),
});
export type AlertMessage = z.infer<typeof AlertMessage>;
