// Partitions added to both input topics (6 -> 12) while the detector runs: no VIN's state is lost
// (records on the new partitions are re-routed to where their state is), then `migrateStateLayout`
// moves the state to 12 partitions with the detector stopped, and a restarted detector finds every
// VIN's registration there.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { growPartitions } from '@zmwatch/kit';
import { alertIdFor, contractPartition } from '@zmwatch/schemas';
import { createApp, type DetectorApp } from '../src/app.js';
import { migrateStateLayout } from '../src/migrate-state.js';
import { loadRuleset } from '../src/ruleset.js';
import { DAY, declaration, registration } from '@zmwatch/test-support/events';
import { vinFor } from '@zmwatch/test-support/vins';
import {
  collectAlerts,
  createTestTopics,
  deleteTestTopics,
  EventProducer,
  testConfig,
} from '@zmwatch/test-support/detector-pipeline';
import {
  counterValue,
  deleteRedisKeys,
  quietLogger,
  stack,
  testKafka,
  uniqueName,
  waitFor,
} from '@zmwatch/test-support/stack';

const ruleset = loadRuleset();
const now = Date.now();

describe('input partitions added while the detector runs (real Kafka + Redis)', { timeout: 180_000 }, () => {
  const id = uniqueName('zmexp');
  const kafka = testKafka(id);
  const admin = kafka.admin();
  let topics: Awaited<ReturnType<typeof createTestTopics>> | undefined;
  const apps: DetectorApp[] = [];

  after(async () => {
    for (const a of apps) await a.stop().catch(() => undefined);
    if (topics) await deleteTestTopics(admin, topics);
    await admin.disconnect();
    await deleteRedisKeys(id);
  });

  it('6 -> 12 loses no state before or after `state migrate`; every alert once', async () => {
    await admin.connect();
    topics = await createTestTopics(admin, id, 6);
    const config = testConfig(id, topics, { metadataMaxAgeMs: 1000 }, ruleset);
    const start = async () => {
      const app = createApp(config, { logger: quietLogger });
      apps.push(app);
      await app.start();
      return app;
    };
    // VINs whose contract partition changes with 12 partitions (half of them, in expectation) are
    // the ones whose state would be lost; keep 40 of those and 20 others.
    const moving: string[] = [];
    const staying: string[] = [];
    for (let i = 0; moving.length < 40 || staying.length < 20; i++) {
      const vin = vinFor(`${id}-${i}`);
      const list = contractPartition(vin, 12) === contractPartition(vin, 6) ? staying : moving;
      if (list.length < (list === moving ? 40 : 20)) list.push(vin);
    }
    const vins = [...moving, ...staying];
    const regs = vins.map((vin) =>
      registration(vin, { eventTime: now - 10 * DAY, party: { id: `DLR-${vin}`, type: 'DEALER' } }),
    );
    const decls = vins.map((vin) => declaration(vin, { eventTime: now, destinationCountry: 'RU' }));
    const expected = new Set(decls.map((d) => alertIdFor(d.vin, d.declarationId, ruleset.version)));
    const alerts = await collectAlerts(kafka, topics.alerts);

    let app = await start();
    const before = await EventProducer.create(kafka, topics);
    await before.send(regs.map((reg) => ({ reg })));
    await before.close();
    await waitFor(
      'registrations processed',
      async () => (await counterValue(app.registry, 'zm_detector_events_in_total')) >= regs.length,
    );

    // Declarations of 20 moving and 10 staying VINs now, the others after the migration.
    // Add partitions to both inputs while the detector runs; a new producer sees 12 partitions and
    // puts declarations of the moving VINs on partitions 6-11.
    await growPartitions(admin, [topics.registrations, topics.declarations], 12);
    const firstHalf = [...decls.slice(0, 20), ...decls.slice(40, 50)];
    const secondHalf = [...decls.slice(20, 40), ...decls.slice(50)];
    assert.equal(firstHalf.length + secondHalf.length, decls.length);
    const during = await EventProducer.create(kafka, topics);
    await during.send(firstHalf.map((decl) => ({ decl })));
    await during.close();
    const idsOf = (list: typeof decls) =>
      list.map((d) => alertIdFor(d.vin, d.declarationId, ruleset.version));
    await waitFor(
      'alerts for the declarations sent after the expansion',
      () => idsOf(firstHalf).every((a) => alerts.items.some((x) => x.alert.alertId === a)),
      60_000,
    );
    assert.ok(
      (await counterValue(app.registry, 'zm_detector_rerouted_total', { reason: 'wrong-partition' })) >= 20,
      'declarations on the new partitions were re-routed to their state',
    );

    // Migrate with the detector stopped, then start a fresh process on the new layout.
    await app.stop();
    const result = await migrateStateLayout({ redis: { url: stack.redisUrl }, prefix: id, to: 12 });
    assert.equal(result.from, 6);
    assert.equal(result.to, 12);
    assert.ok(result.vinsMoved >= 40, `moved ${result.vinsMoved}`);
    app = await start();
    const afterMigration = await EventProducer.create(kafka, topics);
    await afterMigration.send(secondHalf.map((decl) => ({ decl })));
    await afterMigration.close();
    await waitFor(
      'every expected alert',
      () => [...expected].every((a) => alerts.items.some((x) => x.alert.alertId === a)),
      60_000,
    );
    assert.equal(
      await counterValue(app.registry, 'zm_detector_rerouted_total'),
      0,
      'after the migration every record is where the contract puts it',
    );
    await new Promise((r) => setTimeout(r, 1500));
    await alerts.stop();
    const ids = alerts.items.map((a) => a.alert.alertId);
    assert.deepEqual(new Set(ids), expected, 'exactly the expected alert ids');
    assert.equal(ids.length, expected.size, 'each once');
    for (const a of alerts.items)
      assert.ok(a.alert.registrationTime !== null, `alert for ${a.alert.vin} found its registration`);
  });
});
