/** Rendering of restock plans for people and tools (the CLI's `restock-plan`), apart from the domain. */
export { renderPlanCsv } from "./plan-csv";
export { renderPlanJson } from "./plan-json";
export { renderPlanTable } from "./plan-table";
