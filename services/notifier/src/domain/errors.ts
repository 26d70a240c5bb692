/** The routing rules file is not valid; the message names the file and every problem with its path. */
export class RulesFileError extends Error {
  override readonly name = "RulesFileError";
  constructor(
    readonly file: string,
    readonly problems: string[],
    options?: { cause?: unknown },
  ) {
    super(`invalid notifier rules in ${file}:\n  ${problems.join("\n  ")}`, options);
  }
}
