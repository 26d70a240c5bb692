import { createServer, type Server } from "node:http";
import type { Registry } from "prom-client";

/** Serves /metrics (on loopback unless a host is given); resolves with the bound port. */
export function serveMetrics(
  registry: Registry,
  port: number,
  host = "127.0.0.1",
): Promise<{ server: Server; port: number }> {
  const server = createServer(async (req, res) => {
    if (req.url !== "/metrics") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": registry.contentType }).end(await registry.metrics());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === "object" && addr ? addr.port : port });
    });
  });
}
