import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from '@zmwatch/infra';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO_ROOT, '.zmwatch', 'screenshots');

/**
 * Debian's chromium driven by playwright-core (never a downloaded browser): installed on demand by
 * infra/bin/ensure-chromium, launched headless with a fresh profile that is removed afterwards.
 */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM))
    execFileSync(join(REPO_ROOT, 'infra', 'bin', 'ensure-chromium'), { stdio: 'inherit' });
  mkdirSync(SCREENSHOTS, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'zm-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--headless',
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
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Signs `user` (password `<user>-demo`, the demo users file) into the console at `consoleUrl` from a
 * fresh document: the single-page app keeps the previous user's session in memory otherwise.
 */
export async function signIn(
  context: BrowserContext,
  page: Page,
  consoleUrl: string,
  user: string,
): Promise<void> {
  await context.clearCookies();
  await page.goto('about:blank');
  await page.goto(`${consoleUrl}/#/login`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(`${user}-demo`);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('whoami').waitFor();
}
