/** Rendering of restock plans for people and tools (the CLI's `restock-plan`): apart from the domain. */
export { csvField, renderPlanCsv, toCsv } from "./plan-csv";
export { renderPlanJson } from "./plan-json";
export { instantFormat, type PlanTable, planPickRows, planSlotRows, type TimeStyle } from "./plan-rows";
export { renderPlanTable, textTable } from "./plan-table";
