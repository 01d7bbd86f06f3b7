import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '@zmwatch/kit';
import { toJsonForm, TOPICS, type Alert, type Codec, type Severity } from '@zmwatch/schemas';
import { decodeFeedAlert } from './decode-feed-alert.js';
import { RingBuffer } from './ring-buffer.js';

/** An alert as the feed shows it: the record in its JSON form plus where it was read. */
export interface FeedAlert {
  alertId: string;
  vin: string;
  declarationId: string;
  severity: Severity;
  score: number;
  rules: Array<{ ruleId: string; weight: number; evidence: string; typology?: string }>;
  /** Per typology its own verdict (contract v3); absent or empty on v1 and v2 alerts. */
  typologies?: Array<{ typology: string; score: number; severity: Severity | null; reached: boolean }>;
  registrantId: string | null;
  exporterId: string;
  destinationCountry: string;
  jurisdiction: string | null;
  rulesetVersion: string;
  detectedAt: string;
  declarationTime: string;
  registrationTime: string | null;
  kafka: { topic: string; partition: number; offset: string };
}

export interface AlertFeed {
  readonly groupId: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  /** Newest alerts, oldest first. */
  recent(): FeedAlert[];
  /** Live alerts; returns the unsubscribe function. */
  subscribe(listener: (alert: FeedAlert) => void): () => void;
  subscribers(): number;
}

export interface AlertFeedOptions {
  kafka: Kafka;
  codec: Codec;
  topic: string;
  logger: Logger;
  bufferSize: number;
  /** Group id prefix; the id is unique per console instance (every instance sees every alert). */
  groupPrefix: string;
}

export function toFeedAlert(alert: Alert, kafka: FeedAlert['kafka']): FeedAlert {
  const json = toJsonForm(TOPICS.alerts, alert) as unknown as Omit<FeedAlert, 'kafka' | 'rules'>;
  return {
    alertId: json.alertId,
    vin: json.vin,
    declarationId: json.declarationId,
    severity: json.severity,
    score: json.score,
    rules: alert.rules.map((r) => ({ ruleId: r.ruleId, weight: r.weight, evidence: r.evidence })),
    registrantId: json.registrantId,
    exporterId: json.exporterId,
    destinationCountry: json.destinationCountry,
    jurisdiction: json.jurisdiction,
    rulesetVersion: json.rulesetVersion,
    detectedAt: json.detectedAt,
    declarationTime: json.declarationTime,
    registrationTime: json.registrationTime,
    kafka,
  };
}

/**
 * Customs' live feed: reads the alerts topic from the latest offset with a group of its own and never
 * commits (a display, not a processor: a restart starts from "now" again and leaves no lag behind),
 * keeps the newest alerts for new subscribers, and fans each alert out to the SSE connections.
 */
export function createAlertFeed(opts: AlertFeedOptions): AlertFeed {
  const groupId = `${opts.groupPrefix}-${hostname().replace(/[^\w.-]/g, '')}-${randomBytes(4).toString('hex')}`;
  const buffer = new RingBuffer<FeedAlert>(opts.bufferSize);
  const listeners = new Set<(a: FeedAlert) => void>();
  let consumer: Consumer | undefined;
  let isReady = false;

  return {
    groupId,
    async start() {
      // "From latest" means from the log end at start(), pinned here: kafkajs resolves `latest` lazily
      // at its first fetch after joining, and an alert appended in between would be skipped.
      const admin = opts.kafka.admin();
      await admin.connect();
      const startAt = new Map<number, string>();
      try {
        for (const o of await admin.fetchTopicOffsets(opts.topic)) startAt.set(o.partition, o.high);
      } finally {
        await admin.disconnect();
      }
      const c = opts.kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
      consumer = c;
      c.on(c.events.GROUP_JOIN, ({ payload }) => {
        for (const partition of payload.memberAssignment[opts.topic] ?? []) {
          const offset = startAt.get(partition);
          if (offset !== undefined) c.seek({ topic: opts.topic, partition, offset });
        }
        isReady = true;
      });
      c.on(c.events.CRASH, () => {
        isReady = false;
      });
      await c.connect();
      await c.subscribe({ topic: opts.topic, fromBeginning: false });
      await c.run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          let alert: Alert | undefined;
          try {
            alert = await decodeFeedAlert(opts.codec, message.value, {
              isRunning: () => consumer === c,
              onRetry: (err, attempt) =>
                opts.logger.warn(
                  { topic, partition, offset: message.offset, attempt, err },
                  'alert feed: schema registry unavailable, retrying',
                ),
            });
            if (!alert) return; // stopped while waiting
          } catch (err) {
            opts.logger.warn(
              { topic, partition, offset: message.offset, err },
              'alert feed: undecodable alert skipped',
            );
            return;
          }
          const item = toFeedAlert(alert, { topic, partition, offset: message.offset });
          buffer.push(item);
          for (const l of listeners) {
            try {
              l(item);
            } catch (err) {
              opts.logger.warn({ err }, 'alert feed listener failed');
            }
          }
        },
      });
    },
    async stop() {
      isReady = false;
      listeners.clear();
      // Cleared first: an alert waiting for the schema registry sees it and gives up, so the
      // disconnect (which waits for the running eachMessage) cannot hang on a registry that is down.
      const c = consumer;
      consumer = undefined;
      await c?.disconnect();
    },
    ready: () => isReady,
    recent: () => buffer.toArray(),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    subscribers: () => listeners.size,
  };
}
