/**
 * The renderer in a real browser (Debian's Chromium): the shell mounts, and with no engine
 * behind it the page says so in an alert instead of failing silently.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { interopDescribe } from '../interop/support/peers';
import { launchChromium, serveRenderer } from './support/browser';

const d = interopDescribe(['chromium']);

d('renderer shell in Chromium', () => {
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let server: ViteDevServer;
  let url: string;

  beforeAll(async () => {
    ({ url, server } = await serveRenderer());
    ({ browser, close: closeBrowser } = await launchChromium());
  });
  afterAll(async () => {
    await closeBrowser?.();
    await server?.close();
  });

  it('shows the app title and an alert that no engine is connected', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await expect.poll(() => page.getByRole('heading', { name: 'Parley' }).count()).toBe(1);
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/No engine connected/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
