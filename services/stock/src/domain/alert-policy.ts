/** What the service alerts on, and when. Defaults follow docs/domain.md; a service's config.ts overrides them. */
export interface AlertPolicy {
  /**
   * Cabinet temperature band. Default 5..40 °C: naloxone nasal is stored at 20–25 °C with
   * excursions of 5–40 °C allowed (docs/domain.md §Items), so only leaving 5..40 harms the stock.
   */
  temperatureBand: { minC: number; maxC: number };
  /** A lot with units that expires within this many days raises `lot_expiring`. */
  lotExpiringDays: number;
  /**
   * A machine that says nothing for this long, without a will, counts as offline from its last
   * sign of life (a few heartbeat intervals: it must exceed the interval).
   */
  silenceMinutes: number;
  /** Whether a clean shutdown (status offline/shutdown) raises `offline`; a planned stop usually should not. */
  alertOnShutdown: boolean;
  /** Min per slot (configuration or the reorder service); below it `low_stock` is raised. None: no low-stock alert. */
  lowStockMin: (machineId: string, slotId: string) => number | undefined;
  /**
   * Card refused (quota reached) spikes (docs/domain.md): at least `count` quota refusals at one
   * machine within `minutes` raise `refusal_spike`; it clears when the window holds fewer. People
   * turned away in numbers mean a quota set too tight for the need, or cards being passed around.
   */
  refusalSpike: { count: number; minutes: number };
}

export const DEFAULT_ALERT_POLICY: AlertPolicy = {
  temperatureBand: { minC: 5, maxC: 40 },
  lotExpiringDays: 30,
  silenceMinutes: 15,
  alertOnShutdown: false,
  lowStockMin: () => undefined,
  refusalSpike: { count: 8, minutes: 60 },
};

export function alertPolicy(overrides: Partial<AlertPolicy> = {}): AlertPolicy {
  return { ...DEFAULT_ALERT_POLICY, ...overrides };
}
