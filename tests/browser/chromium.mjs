// Debian's Chromium through playwright-core, as the browser tests and the
// demo benchmark start it: headless, a fresh profile, no background traffic.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

/**
 * @param {object} [options] extra launchPersistentContext options (e.g. viewport)
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, close: () => Promise<void> }>}
 *   close() closes the browser and removes its profile
 */
export async function launchChromium(options = {}) {
  const profile = mkdtempSync(path.join(tmpdir(), 'indorerank-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    ...options,
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
