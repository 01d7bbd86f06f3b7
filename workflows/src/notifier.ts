import type { Logger } from '@zmwatch/kit';
import type { CaseNotification } from './shared.js';

export type Notifier = (notification: CaseNotification) => Promise<void>;

/**
 * POSTs each notification as JSON to a webhook (chat bridge, paging...). A non-2xx answer throws so the
 * notify activity retries it.
 */
export function createWebhookNotifier(url: string, timeoutMs = 5_000): Notifier {
  return async (notification) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(notification),
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`notification webhook answered ${res.status}`);
  };
}

/** Without a webhook, notifications are warn-level log lines (still visible in the case audit trail). */
export function createLogNotifier(logger: Logger): Notifier {
  return async (n) => {
    logger.warn(
      { vin: n.vin, caseId: n.caseId, kind: n.kind, queue: n.queue, slaDueAt: n.slaDueAt },
      n.message,
    );
  };
}
