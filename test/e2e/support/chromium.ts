/**
 * Launches Debian's Chromium headless through playwright-core, with a fresh profile per launch. Without Chromium
 * the end-to-end tests fail and say how to install it: a console left untested must not look like a pass.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CARECHAIN_CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}, and the console's end-to-end tests need it. ` +
        'Install it with `apt-get update && apt-get install -y chromium` (as root), or point ' +
        'CARECHAIN_CHROMIUM_PATH at a Chromium binary.',
    );
  }
  // playwright gives every launch a new temporary user-data-dir and removes it on close.
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS, timeout: 30_000 });
}
