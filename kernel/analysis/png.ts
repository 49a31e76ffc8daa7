/**
 * PNG images of the HTML figures, drawn by plotly.js itself in headless Chromium (playwright-core
 * drives the system's /usr/bin/chromium, or LUKELAB_CHROMIUM). Where either is missing the images
 * are skipped with the reason, and everything else is still written.
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { writeFileAtomic } from "../io/atomic";

export const CHROMIUM_PATH = process.env.LUKELAB_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export interface PngJob {
  /** A page written by writeFigureHtml (plotly.js beside it). */
  html: string;
  png: string;
}

export type PngOutcome = { written: string[] } | { written: []; unavailable: string };

/** Renders each page and writes a screenshot of its figure; one browser for all of them. */
export async function renderPngs(jobs: readonly PngJob[], chromium = CHROMIUM_PATH): Promise<PngOutcome> {
  if (!existsSync(chromium)) return { written: [], unavailable: `${chromium} is not installed, so no PNG images were written` };
  let playwright: typeof import("playwright-core");
  try {
    playwright = await import("playwright-core");
  } catch {
    return { written: [], unavailable: "playwright-core is not installed, so no PNG images were written" };
  }
  const browser = await playwright.chromium.launch({ executablePath: chromium, headless: true, args: CHROMIUM_ARGS });
  const written: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 700 }, deviceScaleFactor: 2 });
    for (const job of jobs) {
      await page.goto(pathToFileURL(job.html).href);
      await page.waitForFunction(() => (globalThis as { lukelabReady?: boolean }).lukelabReady === true, undefined, { timeout: 30_000 });
      writeFileAtomic(job.png, await page.locator("#figure").screenshot());
      written.push(job.png);
    }
  } finally {
    await browser.close();
  }
  return { written };
}
