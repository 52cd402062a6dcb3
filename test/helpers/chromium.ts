// Debian's chromium driven by playwright-core, headless and quiet (no background updates or sync), for the
// dashboard test and the README screenshots.
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/** A page of a new browser at the dashboard tests' width; an error on the page fails the test. */
export async function openDashboardPage(height = 860): Promise<{ browser: Browser; page: Page }> {
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1360, height } });
  page.on("pageerror", (err) => {
    throw err;
  });
  return { browser, page };
}
