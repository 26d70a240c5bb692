/**
 * The profiler's one setting of the environment: node flags for every service process the
 * pipeline starts after this call (HRVEND_SERVICE_NODE_ARGS, read by spawnService).
 */
export function setServiceNodeArgs(args: string): void {
  process.env["HRVEND_SERVICE_NODE_ARGS"] = args;
}
