import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AccessAuditEvent } from '@zmwatch/schemas';
import type { Logger } from '@zmwatch/kit';
import type { Session } from '../auth/sessions.js';
import { clientAddress } from '../http/client-address.js';

/** What one audited request accessed (the route table in audited-routes.ts says it per route). */
export interface AccessSubject {
  action: string;
  subjectKind: string;
  subjectId: string;
}

export interface AccessAudit {
  /** Queues one access for the audit topic; never blocks the request that was served. */
  record(session: Session, req: IncomingMessage, url: URL, subject: AccessSubject): void;
  /** Writes what is queued (the interval does it anyway); rejects when the write fails. */
  flush(): Promise<void>;
  /** Stops the interval and writes what is left (best effort, logged). */
  stop(): Promise<void>;
}

export interface AccessAuditOptions {
  /** Writes a batch to the audit topic, resolving once it is acknowledged. */
  send(events: AccessAuditEvent[]): Promise<void>;
  logger: Logger;
  proxyHops: number;
  flushIntervalMs: number;
  /** Entries kept while the topic cannot be written; beyond it the oldest go, counted and logged. */
  maxBuffered: number;
  onDropped?(count: number): void;
  onWritten?(count: number): void;
  now?: () => number;
}

const MAX_USER_AGENT = 256;

/**
 * The access audit's writer. Requests are never slowed or failed by the audit: an access is queued
 * after the response was served and written in batches every `flushIntervalMs`. A write that fails
 * keeps its entries for the next attempt; only beyond `maxBuffered` do the oldest go (counted in
 * `zm_console_audit_dropped_total` and logged), so a broker outage costs memory before it costs records.
 */
export function createAccessAudit(opts: AccessAuditOptions): AccessAudit {
  const now = opts.now ?? Date.now;
  let queue: AccessAuditEvent[] = [];
  let writing: Promise<void> | undefined;
  let failing = false;

  async function write(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        await opts.send(batch);
        opts.onWritten?.(batch.length);
        if (failing) opts.logger.info({ entries: batch.length }, 'access audit written again');
        failing = false;
      } catch (err) {
        queue = [...batch, ...queue];
        trim();
        if (!failing) opts.logger.error({ err, queued: queue.length }, 'access audit write failed; retrying');
        failing = true;
        throw err;
      }
    }
  }

  function trim(): void {
    const over = queue.length - opts.maxBuffered;
    if (over <= 0) return;
    queue = queue.slice(over);
    opts.onDropped?.(over);
    opts.logger.error({ dropped: over }, 'access audit buffer full: oldest entries dropped');
  }

  function flush(): Promise<void> {
    writing ??= write().finally(() => {
      writing = undefined;
    });
    return writing;
  }

  const timer = setInterval(() => void flush().catch(() => undefined), opts.flushIntervalMs);
  timer.unref();

  return {
    record(session, req, url, subject) {
      const ua = req.headers['user-agent'];
      queue.push({
        accessId: randomUUID(),
        at: now(),
        userId: session.user.id,
        role: session.user.role,
        ...subject,
        detail: url.search.length > 1 ? url.search.slice(1) : null,
        clientAddress: clientAddress(req, opts.proxyHops),
        userAgent: ua ? ua.slice(0, MAX_USER_AGENT) : null,
      });
      trim();
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush().catch((err: unknown) =>
        opts.logger.error({ err, lost: queue.length }, 'access audit entries not written at shutdown'),
      );
    },
  };
}
