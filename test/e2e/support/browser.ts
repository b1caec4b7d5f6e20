/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), with the flags this
 * machine's closed network needs, and the renderer served by Vite's dev server on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

export const CHROMIUM = process.env['PARLEY_CHROMIUM'] ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  // A fresh profile directory per run (playwright makes one itself for launch()).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: async () => {
      await browser.close();
    },
  };
}

export async function serveRenderer(): Promise<{ url: string; server: ViteDevServer }> {
  const server = await createServer({
    configFile: 'vite.web.config.ts',
    logLevel: 'silent',
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('vite did not report its address');
  return { url: `http://127.0.0.1:${address.port}/`, server };
}
