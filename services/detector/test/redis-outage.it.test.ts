import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertIdFor } from '@zmwatch/schemas';
import { createApp } from '../src/app.js';
import { loadRuleset } from '../src/ruleset.js';
import { mixedCases } from '@zmwatch/test-support/events';
import { PrivateRedis } from '@zmwatch/test-support/private-redis';
import {
  collectAlerts,
  createTestTopics,
  deleteTestTopics,
  EventProducer,
  testConfig,
} from '@zmwatch/test-support/detector-pipeline';
import { counterValue, quietLogger, testKafka, uniqueName, waitFor } from '@zmwatch/test-support/stack';

test(
  'Redis stopped mid-stream and restarted: every expected alert appears, once per alert id, nothing extra',
  { timeout: 90_000 },
  async (t) => {
    const id = uniqueName('zmdet-redis');
    const ruleset = loadRuleset();
    const kafka = testKafka(id);
    const admin = kafka.admin();
    await admin.connect();
    const topics = await createTestTopics(admin, id);
    const redis = await PrivateRedis.start();
    const events = await EventProducer.create(kafka, topics);
    const alerts = await collectAlerts(kafka, topics.alerts);
    const app = createApp(
      testConfig(id, topics, { redis: { url: redis.url }, maxRetryDelayMs: 500 }, ruleset),
      {
        logger: quietLogger,
      },
    );
    try {
      await app.start();
      const now = Date.now();
      // 3 of 4 VINs are zero-mileage exports; every 4th is an old car exported as new (no alert).
      const cases = mixedCases({
        id,
        count: 240,
        cleanEvery: 4,
        now,
        youngDays: 7,
        oldDays: 400,
        party: (i) => `P-${i}`,
      });
      const expected = new Set(
        cases
          .filter((c) => c.suspicious)
          .map((c) => alertIdFor(c.vin, c.decl.declarationId, ruleset.version)),
      );
      // Produce in a steady stream (10 VINs every 80 ms) and pull Redis out from under it mid-stream.
      const sending = (async () => {
        for (let i = 0; i < cases.length; i += 10) {
          await events.send(cases.slice(i, i + 10).flatMap((c) => [{ reg: c.reg }, { decl: c.decl }]));
          await new Promise((r) => setTimeout(r, 80));
        }
      })();
      await waitFor('first alerts', () => alerts.items.length >= 15);
      await redis.stopServer();
      await waitFor(
        'the detector to notice Redis is gone',
        async () => (await counterValue(app.registry, 'zm_detector_redis_errors_total')) > 0,
        15_000,
      );
      await new Promise((r) => setTimeout(r, 1500)); // stay down across several retries
      const seenWhileDown = alerts.items.length;
      await redis.startServer();
      await sending;

      await waitFor(
        `all ${expected.size} alerts`,
        () => new Set(alerts.items.map((a) => a.alert.alertId)).size >= expected.size,
        45_000,
      );
      await waitFor(
        'every input processed',
        async () => (await counterValue(app.registry, 'zm_detector_events_in_total')) >= cases.length * 2,
        20_000,
      );
      await new Promise((r) => setTimeout(r, 500));

      const ids = alerts.items.map((a) => a.alert.alertId);
      const distinct = new Set(ids);
      const duplicates = ids.length - distinct.size;
      t.diagnostic(
        `alerts: ${ids.length} messages, ${distinct.size} ids, ${duplicates} physical duplicates; ${seenWhileDown} before restart; ` +
          `redis errors ${await counterValue(app.registry, 'zm_detector_redis_errors_total')}, batch retries ${await counterValue(app.registry, 'zm_detector_batch_retries_total')}`,
      );
      assert.deepEqual(
        [...expected].filter((x) => !distinct.has(x)),
        [],
        'no expected alert missing',
      );
      assert.deepEqual(
        [...distinct].filter((x) => !expected.has(x)),
        [],
        'no unexpected alert',
      );
      // Same process: alert ids acknowledged before Redis failed are remembered, so the retried batch does not re-send them.
      assert.equal(duplicates, 0, 'no physical duplicates within one process');
      assert.equal(
        await counterValue(app.registry, 'zm_detector_dead_letters_total'),
        0,
        'nothing dead-lettered for a Redis outage',
      );
    } finally {
      await app.stop().catch(() => undefined);
      await alerts.stop();
      await events.close();
      await deleteTestTopics(admin, topics);
      await admin.disconnect();
      await redis.destroy();
    }
  },
);
