export * from "./service-runtime";
