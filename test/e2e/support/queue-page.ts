import type { Locator, Page } from 'playwright-core';
import { eventually } from '@zmwatch/test-support/cases';

/**
 * Opens `queue` in the console and returns the row of `vin` once it is listed. Visibility is
 * eventually consistent: the page is refreshed (its Refresh button) until the case shows.
 */
export async function queueRow(
  page: Page,
  consoleUrl: string,
  queue: string,
  vin: string,
  timeoutMs: number,
): Promise<Locator> {
  await page.goto(`${consoleUrl}/#/queues?queue=${encodeURIComponent(queue)}`);
  const row = page.locator(`tr[data-vin="${vin}"]`);
  await eventually(
    async () => {
      if (await row.count()) return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.waitForTimeout(500);
      return undefined;
    },
    timeoutMs,
    'case in the queue',
  );
  return row;
}
