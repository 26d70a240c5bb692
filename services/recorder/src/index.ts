export { hourlyCounts } from "./counts";
export { toRecord } from "./records";
export { ReplayFileError, type ReplayProgress, replayFile, replayStream } from "./replay";
export { writeDeadLetters, writeEvents } from "./store";
