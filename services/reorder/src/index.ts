/**
 * The package's public API (`@hrvend/reorder`): the pure domain (demand, max-min, restock plans,
 * the local calendar) and the plan renderers. Reads of the service's tables are `@hrvend/reorder/read`,
 * the service's steps for tools and tests `@hrvend/reorder/service`, its migrations `…/migrations`.
 */
export * from "./domain";
export * from "./render";
