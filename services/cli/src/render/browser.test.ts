import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BrowserUnavailableError, printPdf, screenshotHtml, withBrowser } from "./browser";

describe("headless Chromium", () => {
  it("given an HTML page, when screenshotted, then the PNG shows its pixels", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hrvend-browser-"));
    const png = await screenshotHtml(
      `<body style="margin:0;background:#ff0000"></body>`,
      join(dir, "a.png"),
      200,
    );
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    expect((await readFile(join(dir, "a.png"))).equals(png)).toBe(true);
  }, 60_000);

  it("given an HTML page, when printed, then a PDF file is written", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hrvend-browser-"));
    await printPdf("<h1>report</h1>", join(dir, "a.pdf"));
    expect((await readFile(join(dir, "a.pdf"))).subarray(0, 5).toString()).toBe("%PDF-");
  }, 60_000);

  it("given no Chromium at the path, then a named error says how to install it", async () => {
    await expect(withBrowser(async () => 1, "/nonexistent/chromium")).rejects.toBeInstanceOf(
      BrowserUnavailableError,
    );
  });
});
