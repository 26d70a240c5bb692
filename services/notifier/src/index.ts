export * from "./domain";
export * from "./render/language";
export * from "./render/message";
