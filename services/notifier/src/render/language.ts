/** Languages messages are written in. Adding one is adding its dictionary below. */
export const LANGUAGES = ["en", "ro"] as const;
export type Language = (typeof LANGUAGES)[number];

export interface Dictionary {
  step: Record<"raised" | "escalated" | "reminder" | "acknowledged" | "cleared", string>;
  severity: Record<"critical" | "warning" | "info", string>;
  what: string;
  where: string;
  since: string;
  detail: string;
  todo: string;
  ack: string;
  prison: string;
  machine: string;
  slot: string;
  acknowledgedAt: string;
  clearedAt: string;
  digestSubject: (n: number) => string;
  digestIntro: string;
  /** What the alert type means, in a few words. */
  type: Record<string, string>;
  /** What to do about it. */
  action: Record<string, string>;
  actionDefault: string;
}

const en: Dictionary = {
  step: {
    raised: "New alert",
    escalated: "Escalated (not acknowledged)",
    reminder: "Reminder (still active)",
    acknowledged: "Acknowledged",
    cleared: "Cleared",
  },
  severity: { critical: "CRITICAL", warning: "warning", info: "info" },
  what: "What",
  where: "Where",
  since: "Since",
  detail: "Detail",
  todo: "What to do",
  ack: "Acknowledge",
  prison: "prison",
  machine: "machine",
  slot: "slot",
  acknowledgedAt: "Acknowledged at",
  clearedAt: "Cleared at",
  digestSubject: (n) => `[hrvend] ${n} notification${n === 1 ? "" : "s"} during your quiet hours`,
  digestIntro: "While your quiet hours lasted, these notifications were held for you (oldest first):",
  type: {
    stockout: "slot empty (stockout)",
    low_stock: "stock below the reorder minimum",
    lot_expiring: "naloxone lot expiring soon",
    offline: "machine offline",
    door_open: "door left open",
    temperature_out_of_range: "cabinet temperature outside the naloxone range",
    refusal_spike: "many cards refused (quota reached)",
    fault_jam: "dispenser jam",
    fault_card_reader: "card reader fault",
    fault_tamper: "tamper alarm",
    fault_power_loss: "power loss",
    fault_temperature: "temperature sensor fault",
    fault_other: "machine fault",
  },
  action: {
    stockout: "Restock this slot on the next possible visit; people cannot get this item meanwhile.",
    low_stock: "Add this slot to the next restock visit (see hrvend restock-plan).",
    lot_expiring: "Swap the lot before it expires on the next visit.",
    offline: "Check power and network at the machine; it keeps its events and sends them when back.",
    door_open: "Ask staff to close and check the machine's door.",
    temperature_out_of_range: "Check the cabinet's location and cooling; naloxone spoils outside 5–40 °C.",
    refusal_spike: "Check whether the quota is too tight for the need, or cards are passed around.",
    fault_jam: "Clear the jam at the machine and test a dispense.",
    fault_card_reader: "Check or replace the card reader.",
    fault_tamper: "Inspect the machine for damage with the prison's staff.",
    fault_power_loss: "Restore power to the machine.",
    fault_temperature: "Have the temperature sensor checked.",
  },
  actionDefault: "Check the machine.",
};

const ro: Dictionary = {
  step: {
    raised: "Alertă nouă",
    escalated: "Escaladată (neconfirmată)",
    reminder: "Memento (încă activă)",
    acknowledged: "Confirmată",
    cleared: "Rezolvată",
  },
  severity: { critical: "CRITIC", warning: "avertisment", info: "info" },
  what: "Ce",
  where: "Unde",
  since: "De la",
  detail: "Detalii",
  todo: "Ce este de făcut",
  ack: "Confirmare",
  prison: "penitenciar",
  machine: "aparat",
  slot: "compartiment",
  acknowledgedAt: "Confirmată la",
  clearedAt: "Rezolvată la",
  digestSubject: (n) => `[hrvend] ${n} notificări în orele de liniște`,
  digestIntro: "În orele de liniște, aceste notificări au fost păstrate pentru dvs. (cele mai vechi întâi):",
  type: {
    stockout: "compartiment gol (stoc epuizat)",
    low_stock: "stoc sub minimul de reaprovizionare",
    lot_expiring: "lot de naloxonă aproape de expirare",
    offline: "aparat deconectat",
    door_open: "ușă lăsată deschisă",
    temperature_out_of_range: "temperatura în afara intervalului pentru naloxonă",
    refusal_spike: "multe carduri refuzate (cotă atinsă)",
    fault_jam: "blocaj la distribuire",
    fault_card_reader: "defect la cititorul de carduri",
    fault_tamper: "alarmă de forțare",
    fault_power_loss: "pană de curent",
    fault_temperature: "defect la senzorul de temperatură",
    fault_other: "defect al aparatului",
  },
  action: {
    stockout:
      "Reaprovizionați compartimentul la prima vizită posibilă; între timp articolul nu poate fi obținut.",
    low_stock: "Includeți compartimentul în următoarea vizită de reaprovizionare (hrvend restock-plan).",
    lot_expiring: "Înlocuiți lotul înainte de expirare, la următoarea vizită.",
    offline:
      "Verificați alimentarea și rețeaua aparatului; evenimentele se păstrează și se trimit la revenire.",
    door_open: "Rugați personalul să închidă și să verifice ușa aparatului.",
    temperature_out_of_range: "Verificați amplasarea și răcirea; naloxona se degradează în afara 5–40 °C.",
    refusal_spike: "Verificați dacă cota este prea strictă sau dacă se împrumută carduri.",
    fault_jam: "Deblocați aparatul și testați o distribuire.",
    fault_card_reader: "Verificați sau înlocuiți cititorul de carduri.",
    fault_tamper: "Inspectați aparatul împreună cu personalul penitenciarului.",
    fault_power_loss: "Restabiliți alimentarea aparatului.",
    fault_temperature: "Verificați senzorul de temperatură.",
  },
  actionDefault: "Verificați aparatul.",
};

export const DICTIONARIES: Record<Language, Dictionary> = { en, ro };
