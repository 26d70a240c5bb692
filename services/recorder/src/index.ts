export { ReplayFileError, type ReplayProgress, replayFile, replayStream } from "./replay";
export { type AnyDb, type RecorderDatabase, recorderDb } from "./store/db";
export { writeDeadLetters } from "./store/dead-letters";
export { type WriteResult, writeEvents } from "./store/events";
export { toRecord } from "./to-record";
