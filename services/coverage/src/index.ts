export * from "./domain";
export { saveConfig } from "./estimates";
export { publishIfBehind } from "./publish";
