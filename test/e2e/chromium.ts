/**
 * Debian's Chromium for the tests that need a real browser (the browser tier, the CORS
 * test): never a downloaded browser build. Missing Chromium fails the test, never skips it.
 */
import { existsSync } from "node:fs";

export const CHROMIUM = "/usr/bin/chromium";

/**
 * Headless as root on a machine with no network but loopback: without the
 * background-networking flags Chromium keeps trying Google's hosts and its connections
 * are refused many at a time.
 */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export function requireChromium(): void {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); never a download`);
}
