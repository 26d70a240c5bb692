// A dotted-quad IPv4 address, as Node's net.isIPv4 accepts it (the URL parser has already turned
// other IPv4 spellings such as 127.1 or 0x7f.0.0.1 into this form).
const IPV4_PART = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)";
const IPV4 = new RegExp(`^${IPV4_PART}(?:\\.${IPV4_PART}){3}$`);

/**
 * Whether a URL's host is this machine (localhost, 127.0.0.0/8, ::1): the only place the notifier
 * sends alerts or SMTP credentials without TLS (a receiver or relay next to it, and tests).
 */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (host === "localhost") return true;
  if (IPV4.test(host)) return host.startsWith("127.");
  return host === "::1";
}
