import { describe, expect, it } from "vitest";
import { renderConfig } from "./template";

describe("config templates", () => {
  it("fills every placeholder of the mosquitto config, keeping the broker on loopback", () => {
    const conf = renderConfig("mosquitto.conf", { port: 12345, dir: "/tmp/x", dynsecPlugin: "/p/dynsec.so" });
    expect(conf).not.toMatch(/\{\{/);
    expect(conf).toMatch(/^listener 12345 127\.0\.0\.1$/m);
    expect(conf).toMatch(/^allow_anonymous false$/m);
    // Accounts and ACLs live in the dynamic-security plugin (acl_file never checks SUBSCRIBE).
    expect(conf).toMatch(/^plugin \/p\/dynsec\.so$/m);
    expect(conf).not.toMatch(/^(acl_file|password_file) /m);
    expect(conf).toMatch(/^persistence true$/m);
    const queued = Number(/^max_queued_messages (\d+)$/m.exec(conf)?.[1]);
    expect(queued).toBeGreaterThan(1000);
  });

  it("fills the nats config with JetStream in the given dir", () => {
    const conf = renderConfig("nats.conf", { port: 1, monitorPort: 2, dir: "/tmp/n", serverName: "s" });
    expect(conf).not.toMatch(/\{\{/);
    expect(conf).toContain('store_dir: "/tmp/n/jetstream"');
    expect(conf).toMatch(/^host: 127\.0\.0\.1$/m);
  });

  it("refuses to render with a value missing", () => {
    expect(() => renderConfig("nats.conf", { port: 1 })).toThrow(/needs a value for \{\{monitorPort\}\}/);
  });
});
