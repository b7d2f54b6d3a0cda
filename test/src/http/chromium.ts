import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  chromium,
  type BrowserContext,
  type BrowserContextOptions,
} from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser specs can run here. */
export const chromiumInstalled = (): boolean => existsSync(CHROMIUM_PATH);

// This machine's network is closed: without the background-networking flags
// Chromium keeps trying (and failing) to reach Google's hosts.
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium with a fresh, throw-away profile, removed once the browser has exited. */
export async function launchChromium(
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'aioclock-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: FLAGS,
    ...options,
  });
  const close = context.close.bind(context);
  context.close = async (...args) => {
    await close(...args);
    // Chromium's helpers may still be flushing files for a moment after exit.
    rmSync(profile, {
      recursive: true,
      force: true,
      maxRetries: 10,
      retryDelay: 100,
    });
  };
  return context;
}
