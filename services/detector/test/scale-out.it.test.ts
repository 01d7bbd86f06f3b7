import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alertIdFor } from '@zmwatch/schemas';
import { loadRuleset } from '../src/ruleset.js';
import { mixedCases } from '@zmwatch/test-support/events';
import { DetectorProcess } from './support/detector-process.js';
import {
  collectAlerts,
  createTestTopics,
  deleteTestTopics,
  EventProducer,
} from '@zmwatch/test-support/detector-pipeline';
import { deleteRedisKeys, stack, testKafka, uniqueName, waitFor } from '@zmwatch/test-support/stack';

test(
  'three detector processes, one SIGKILLed mid-stream and restarted: no alert lost, one alert id per case, physical duplicates counted',
  { timeout: 150_000 },
  async (t) => {
    const id = uniqueName('zmdet-scale');
    const ruleset = loadRuleset();
    const kafka = testKafka(id);
    const admin = kafka.admin();
    await admin.connect();
    const topics = await createTestTopics(admin, id);
    const events = await EventProducer.create(kafka, topics);
    const alerts = await collectAlerts(kafka, topics.alerts);
    const env = {
      ZM_KAFKA_BROKERS: stack.brokers.join(','),
      ZM_REDIS_URL: stack.redisUrl,
      ZM_LOG_LEVEL: 'info',
      ZM_DETECTOR_GROUP_ID: `${id}-detector`,
      ZM_DETECTOR_REGISTRATIONS_TOPIC: topics.registrations,
      ZM_DETECTOR_DECLARATIONS_TOPIC: topics.declarations,
      ZM_DETECTOR_ALERTS_TOPIC: topics.alerts,
      ZM_DETECTOR_KEY_PREFIX: id,
      ZM_DETECTOR_BUCKETS_PER_PARTITION: '64',
      ZM_DETECTOR_VELOCITY_BUCKETS_PER_PARTITION: '16',
      ZM_DETECTOR_SESSION_TIMEOUT_MS: '6000',
      ZM_DETECTOR_MAX_RETRY_DELAY_MS: '1000',
      ZM_DETECTOR_METRICS_PORT: '0',
    };
    const procs = [0, 1, 2].map((i) => DetectorProcess.spawn(`${id}-p${i}`, env));
    try {
      await waitFor(
        'three detectors in the group',
        () => procs.every((p) => p.hasLogged('joined consumer group')),
        60_000,
        200,
      );

      // A known data set: two of three VINs are zero-mileage exports, registration and declaration
      // produced in either order across VINs.
      const now = Date.now();
      const cases = mixedCases({
        id,
        count: 1200,
        cleanEvery: 3,
        now,
        youngDays: 12,
        oldDays: 500,
        party: (i) => `P-${i % 97}`,
      });
      const expected = new Map(
        cases
          .filter((c) => c.suspicious)
          .map((c) => [alertIdFor(c.vin, c.decl.declarationId, ruleset.version), c.vin]),
      );
      const sending = (async () => {
        for (let i = 0; i < cases.length; i += 40) {
          const chunk = cases.slice(i, i + 40);
          await events.send(
            chunk.flatMap((c, k) =>
              k % 2 ? [{ decl: c.decl }, { reg: c.reg }] : [{ reg: c.reg }, { decl: c.decl }],
            ),
          );
          await new Promise((r) => setTimeout(r, 100));
        }
      })();

      await waitFor('alerts flowing', () => alerts.items.length >= 100, 30_000);
      const victim = procs[1]!;
      victim.kill('SIGKILL');
      const killed = await victim.wait();
      assert.equal(killed.signal, 'SIGKILL');
      const alertsAtKill = alerts.items.length;
      procs[1] = DetectorProcess.spawn(`${id}-p1-restarted`, env);
      await sending;

      await waitFor(
        `all ${expected.size} alert ids`,
        () => new Set(alerts.items.map((a) => a.alert.alertId)).size >= expected.size,
        90_000,
        250,
      );
      await new Promise((r) => setTimeout(r, 1500)); // let stragglers (replays) arrive

      const ids = alerts.items.map((a) => a.alert.alertId);
      const distinct = new Set(ids);
      const duplicates = ids.length - distinct.size;
      const idsPerVin = new Map<string, Set<string>>();
      for (const { alert } of alerts.items)
        idsPerVin.set(alert.vin, (idsPerVin.get(alert.vin) ?? new Set()).add(alert.alertId));
      t.diagnostic(
        `alerts: ${ids.length} messages, ${distinct.size} distinct ids (expected ${expected.size}), ${duplicates} physical duplicates; ` +
          `${alertsAtKill} alerts had been produced when p1 was killed`,
      );
      assert.deepEqual(
        [...expected.keys()].filter((x) => !distinct.has(x)),
        [],
        'no alert lost',
      );
      assert.deepEqual(
        [...distinct].filter((x) => !expected.has(x)),
        [],
        'no unexpected alert',
      );
      assert.deepEqual(
        [...idsPerVin].filter(([, s]) => s.size > 1),
        [],
        'no case with two alert ids',
      );
      // Physical duplicates can only come from the killed process's acked-but-unmarked batch.
      assert.ok(duplicates <= 200, `duplicates bounded by one in-flight batch, got ${duplicates}`);

      // Graceful shutdown: SIGTERM stops each running process cleanly (exit 0). The survivors may
      // have produced every alert before the restarted process finished booting on a busy machine:
      // wait until it runs, or SIGTERM would only kill a process that has no handler yet.
      await waitFor(
        'the restarted process to join the group',
        () => procs[1]!.hasLogged('joined consumer group'),
        90_000,
        250,
      );
      const exits = await Promise.all(
        procs.map((p) => {
          p.kill('SIGTERM');
          return p.wait();
        }),
      );
      assert.deepEqual(
        exits.map((e) => e.code),
        [0, 0, 0],
        'graceful shutdown on SIGTERM',
      );
    } finally {
      for (const p of procs) p.kill('SIGKILL');
      await alerts.stop();
      await events.close();
      await deleteTestTopics(admin, topics);
      await admin.disconnect();
      await deleteRedisKeys(id);
    }
  },
);
