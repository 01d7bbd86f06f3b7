// A case the escalator opens is in its queue before any worker has run its first task: the client's
// signal-with-start writes the row its opening foresees (case-queue-store.ts `admit`), against the
// real Temporal dev server and Redis, on a task queue no worker polls.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { createRedis, DEFAULT_REDIS_URL, stackAddresses } from '@zmwatch/kit';
import { caseRowKey, createCaseQueueStore } from '../src/case-queue-store.js';
import { createCaseClient } from '../src/client.js';
import { makeAlert, runId, terminateTaskQueue, testCaseConfig } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';

const run = runId();
const prefix = `test:${run}:case-view:`;
const config = testCaseConfig(run);
const taskQueue = `zm-cases-opening-${run}`;
const redis = createRedis({ url: process.env.ZM_REDIS_URL ?? DEFAULT_REDIS_URL });
const connection = await Connection.connect({ address: stackAddresses().temporalAddress });
const client = new Client({ connection });
const cases = createCaseClient(client, { taskQueue, queueStore: createCaseQueueStore(redis, prefix) });

after(async () => {
  await terminateTaskQueue(client, taskQueue).catch(() => undefined);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  await connection.close();
});

test('a new case is listed in its queue at signal-with-start, with the routing its first task will apply', async () => {
  const vin = randomVin();
  const opened = await cases.signalAlert(
    makeAlert(vin, { severity: 'CRITICAL', destinationCountry: 'RU' }),
    config,
  );
  assert.equal(opened.started, true);
  const page = await cases.listQueue(config.routing.priorityQueue, { vins: [vin] });
  assert.equal(page.source, 'projection');
  assert.deepEqual(
    page.cases.map((c) => [c.vin, c.runId, c.severity, c.status, c.destination]),
    [[vin, opened.runId, 'CRITICAL', 'open', 'RU']],
  );
  assert.match((await redis.get(caseRowKey(vin, prefix)))!, /"source":"opening"/);
  // A second alert for the running case starts nothing and writes nothing.
  await redis.del(caseRowKey(vin, prefix));
  const again = await cases.signalAlert(makeAlert(vin, { severity: 'LOW' }), config);
  assert.equal(again.started, false);
  assert.equal(await redis.get(caseRowKey(vin, prefix)), null);
});
