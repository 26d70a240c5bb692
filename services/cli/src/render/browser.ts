import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { CHROMIUM_PATH } from "../config";

/** Debian's Chromium (installed by infra/scripts/provision.sh), or HRVEND_CHROMIUM (read in ../config). */
export { CHROMIUM_PATH };

export class BrowserUnavailableError extends Error {
  override name = "BrowserUnavailableError";
  constructor(readonly path: string) {
    super(`Chromium not found at ${path}: run infra/scripts/provision.sh (Debian package chromium)`);
  }
}

export function chromiumAvailable(path = CHROMIUM_PATH): boolean {
  return existsSync(path);
}

/**
 * Runs `use` with a headless Chromium. The flags keep it off the network: this machine's
 * closed network refuses Chromium's background connections, and as root it needs --no-sandbox.
 */
export async function withBrowser<T>(
  use: (browser: Browser) => Promise<T>,
  path = CHROMIUM_PATH,
): Promise<T> {
  if (!chromiumAvailable(path)) throw new BrowserUnavailableError(path);
  const browser = await chromium.launch({
    executablePath: path,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    return await use(browser);
  } finally {
    // Playwright gives each launch its own temporary profile and removes it on close.
    await browser.close();
  }
}

/** Prints an HTML document to an A4 PDF file. */
export async function printPdf(html: string, pdfPath: string): Promise<void> {
  await withBrowser(async (browser) => {
    const page = await browser.newPage();
    await page.setContent(html, { waitUntil: "load" });
    await page.pdf({ path: pdfPath, format: "A4", printBackground: true });
  });
}

/** Screenshots an HTML document (full page) to a PNG file; returns the PNG bytes. */
export async function screenshotHtml(html: string, pngPath: string, width = 1280): Promise<Buffer> {
  return withBrowser(async (browser) => {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    await page.setContent(html, { waitUntil: "load" });
    return page.screenshot({ path: pngPath, fullPage: true });
  });
}
