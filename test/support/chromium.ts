import { type Browser, chromium } from 'playwright-core';

/** Headless Chromium as the browser tests run it (`CHROMIUM_PATH`, else the system's `/usr/bin/chromium`). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
