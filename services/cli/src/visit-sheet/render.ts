import type { PlannedMachine, RestockPlan } from "@hrvend/reorder";
import { formats, type Lang, translator } from "@hrvend/runtime/i18n";
import { LocalCalendar } from "@hrvend/runtime/time";

export interface VisitSheetInput {
  plan: RestockPlan;
  /** The prison's name from the reference data, when known. */
  prisonName?: string | null;
  lang: Lang;
}

const esc = (s: unknown) =>
  String(s ?? "").replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

const box = `<span class="box" aria-hidden="true"></span>`;

/**
 * The printable sheet for one outreach visit (issue #19), in the coordinator's language: the
 * pick list to pack, then the machines in the order to serve them with, per slot, what to load
 * and the naloxone lots to swap, a check box per line, and the signature lines. A4 portrait;
 * one page or more (a machine's block never splits across pages). Pure: everything comes from
 * the plan the reorder service stored.
 */
export function renderVisitSheet({ plan, prisonName, lang }: VisitSheetInput): string {
  const t = translator(lang, "visitSheet");
  const f = formats(lang);
  const item = (id: string) => t(`items.${id}`, { defaultValue: id });
  const when = (ms: number) => f.dateTime(ms, plan.timeZone);
  const prison = prisonName ? `${prisonName} (${plan.prisonId})` : plan.prisonId;
  const units = plan.machines.reduce((n, m) => n + m.loadUnits, 0);

  const pick =
    plan.pickList.length === 0
      ? `<p class="empty">${esc(t("nothingToPick"))}</p>`
      : `<table class="pick"><thead><tr>${[
          ["item", ""],
          ["restock", "num"],
          ["replacement", "num"],
          ["total", "num"],
          ["lotsToReturn", ""],
          ["packed", "check"],
        ]
          .map(([k, c]) => `<th scope="col" class="${c}">${esc(t(`pick.${k}`))}</th>`)
          .join("")}</tr></thead><tbody>${plan.pickList
          .map(
            (p) =>
              `<tr data-item="${esc(p.itemId)}"><th scope="row">${esc(item(p.itemId))}</th><td class="num">${esc(f.number(p.restockUnits))}</td><td class="num">${esc(f.number(p.replacementUnits))}</td><td class="num total">${esc(f.number(p.totalUnits))}</td><td>${lotList(
                p.lotsToReturn.map((l) => ({ lot: l.lotId, expiry: l.expiry, units: l.units })),
              )}</td><td class="check">${box}</td></tr>`,
          )
          .join("")}</tbody></table>`;

  function lotList(lots: { lot: string; expiry: string; units: number }[]): string {
    if (lots.length === 0) return `<span class="none">${esc(t("none"))}</span>`;
    return lots
      .map(
        (l) =>
          `<div class="lot" data-lot="${esc(l.lot)}">${esc(t("lot", { lot: l.lot, expiry: f.date(l.expiry), units: f.number(l.units) }))}</div>`,
      )
      .join("");
  }

  function machine(m: PlannedMachine): string {
    const outlook =
      m.projectedStockoutAt === null
        ? t("noStockout")
        : t("emptyAt", { item: item(m.stockoutItemId ?? ""), when: when(m.projectedStockoutAt) });
    const cols = ["slot", "item", "stockNow", "atVisit", "restock", "lots", "load", "done"];
    const numeric = new Set(["stockNow", "atVisit", "restock", "load"]);
    const rows = m.slots
      .map(
        (s) =>
          `<tr data-slot="${esc(s.slotId)}"><td>${esc(s.slotId)}</td><td>${esc(item(s.itemId))}</td><td class="num">${esc(f.number(s.stockNow))}</td><td class="num">${esc(f.number(s.projectedAtVisit))}</td><td class="num">${esc(f.number(s.quantity))}</td><td>${lotList(
            s.lotsToSwap.map((l) => ({ lot: l.lotId, expiry: l.expiry, units: l.quantityAtVisit })),
          )}</td><td class="num load">${esc(f.number(s.loadUnits))}</td><td class="check">${box}</td></tr>`,
      )
      .join("");
    return `<section class="machine" data-machine="${esc(m.machineId)}" data-priority="${m.priority}">
<h3>${esc(t("machine", { priority: m.priority, machine: m.machineId }))}${m.location ? ` <span class="loc">· ${esc(m.location)}</span>` : ""}</h3>
<p class="outlook">${esc(outlook)}</p>
<table class="slots"><thead><tr>${cols.map((c) => `<th scope="col" class="${numeric.has(c) ? "num" : c === "done" ? "check" : ""}">${esc(t(`col.${c}`))}</th>`).join("")}</tr></thead><tbody>${rows}</tbody></table>
</section>`;
  }

  const visitDate = f.date(LocalCalendar.for(plan.timeZone).dateOf(plan.visitAt));
  return `<!doctype html>
<html lang="${esc(lang)}"><head><meta charset="utf-8"><title>${esc(t("documentTitle", { prison: plan.prisonId, date: visitDate }))}</title>
<style>
@page { size: A4; margin: 12mm; }
body { font: 10.5px/1.35 "DejaVu Sans", Arial, sans-serif; color: #111; margin: 0; }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 13px; margin: 12px 0 4px; border-bottom: 1px solid #111; } h3 { font-size: 12px; margin: 0 0 2px; }
dl.head { display: grid; grid-template-columns: max-content 1fr; gap: 1px 10px; margin: 4px 0; } dl.head dt { font-weight: bold; } dl.head dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 3px 0 6px; }
th, td { border: 1px solid #888; padding: 3px 4px; text-align: left; vertical-align: top; }
thead th { background: #eee; } .num { text-align: right; white-space: nowrap; } .check { width: 14mm; text-align: center; }
td.total, td.load { font-weight: bold; }
.box { display: inline-block; width: 4mm; height: 4mm; border: 1.2px solid #111; }
section.machine { break-inside: avoid; page-break-inside: avoid; margin: 8px 0; }
.loc { font-weight: normal; } .outlook { margin: 0 0 2px; color: #333; } .none, .empty { color: #666; }
.notes { border: 1px solid #888; height: 22mm; margin: 4px 0; }
.signatures { break-inside: avoid; page-break-inside: avoid; display: grid; grid-template-columns: 1fr 1fr; gap: 10px 18px; margin-top: 6px; }
.sigline { border-bottom: 1px solid #111; height: 9mm; } .siglabel { font-size: 9.5px; color: #333; }
.footer { margin-top: 8px; font-size: 9px; color: #555; }
</style></head><body>
<h1>${esc(t("title"))}</h1>
<dl class="head">
<dt>${esc(t("prison"))}</dt><dd class="prison">${esc(prison)}</dd>
<dt>${esc(t("visit"))}</dt><dd class="visit">${esc(when(plan.visitAt))}</dd>
<dt>${esc(t("followingVisit"))}</dt><dd>${esc(when(plan.followingVisitAt))}</dd>
<dt>${esc(t("dataUpTo"))}</dt><dd>${esc(when(plan.generatedAt))}</dd>
</dl>
<p>${esc(t("localTime", { timeZone: plan.timeZone }))} ${esc(t("summary", { count: plan.machines.length, units: f.number(units) }))} ${esc(t(`policy.${plan.fillTo}`))}</p>
<h2>${esc(t("pickList"))}</h2>
${pick}
<h2>${esc(t("machines"))}</h2>
${plan.machines.length === 0 ? `<p class="empty">${esc(t("noMachines"))}</p>` : plan.machines.map(machine).join("\n")}
<h2>${esc(t("notes"))}</h2>
<div class="notes"></div>
<h2>${esc(t("signatures"))}</h2>
<div class="signatures">
${[t("worker"), t("signature"), t("staff"), t("signature")].map((l) => `<div><div class="sigline"></div><div class="siglabel">${esc(l)}</div></div>`).join("")}
<div><div class="sigline"></div><div class="siglabel">${esc(t("signedAt"))}</div></div>
</div>
<p class="footer">${esc(t("footer"))}</p>
</body></html>
`;
}
