import { isIP } from "node:net";

/**
 * Whether a URL's host is this machine (localhost, 127.0.0.0/8, ::1): the only place the notifier
 * sends alerts or SMTP credentials without TLS (a receiver or relay next to it, and tests).
 */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}
