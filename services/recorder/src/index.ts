export { ReplayFileError, type ReplayProgress, replayFile, replayStream } from "./replay";
