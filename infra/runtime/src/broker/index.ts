export * from "./accounts";
export * from "./dynsec";
