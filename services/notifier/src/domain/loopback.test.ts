import { describe, expect, it } from "vitest";
import { isLoopbackUrl } from "./loopback";

describe("loopback", () => {
  it.each([
    "http://localhost:8080/hook",
    "http://LOCALHOST/",
    "http://127.0.0.1:25",
    "http://127.255.0.9/",
    "http://127.1/",
    "http://0x7f.0.0.1/",
    "http://[::1]:8080/",
  ])("%s is this machine", (url) => {
    expect(isLoopbackUrl(url)).toBe(true);
  });

  it.each([
    "http://10.0.0.1/",
    "http://128.0.0.1/",
    "http://127.0.0.1.example.org/",
    "http://localhost.example.org/",
    "http://[::2]/",
    "http://[::ffff:127.0.0.1]/",
  ])("%s is not", (url) => {
    expect(isLoopbackUrl(url)).toBe(false);
  });
});
