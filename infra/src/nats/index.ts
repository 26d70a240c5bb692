export * from "./streams";
