// The stock service's public API for other workspaces: the domain's types and pure functions
// (the CLI builds acknowledgements with alertAckEvent/operatorSeq), the alert announcement.
// Reads of the stock tables: `@hrvend/stock/read`; migrations: `@hrvend/stock/migrations`.
export { AlertPublisher, alertMessage } from "./alert-publisher";
export * from "./domain";
