// SLA timers of the case workflow in a TestWorkflowEnvironment with mocked activities (as the
// temporalio/samples-typescript tests do).
//
// Time skipping is not available here: `TestWorkflowEnvironment.createTimeSkipping()` downloads the test
// server from temporal.download, which this machine cannot reach. So this runs a private dev server
// (`createLocal` with the Temporal CLI that `infra/bin/stack up` installs) and real time, with SLAs of
// seconds: the workflow code is the same whatever the SLA length, only `CaseConfig.slaMs` differs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createCaseClient, type CaseClient } from '../src/client.js';
import type { CaseActivities } from '../src/activities.js';
import { SA, type CaseNotification, type CaseState } from '../src/shared.js';
import {
  eventually,
  makeAlert,
  quietTemporalRuntime,
  runId,
  testCaseConfig,
} from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { caseViewSinks, WORKFLOWS_PATH } from '../src/worker.js';
import { caseWhereOn } from './support/case-where.js';

const cli =
  process.env.ZM_TEMPORAL_CLI ??
  join(process.env.ZM_CACHE_DIR || join(homedir(), '.cache', 'zmwatch'), 'temporal-1.5.1', 'bin', 'temporal');

const run = runId();
const taskQueue = `zm-cases-sla-${run}`;
const slaMs = { CRITICAL: 1_500, HIGH: 2_500, MEDIUM: 4_000, LOW: 60_000 };
const config = testCaseConfig(run, { slaMs, closedRetentionMs: 1_000 });
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let cases: CaseClient;
const notified: CaseNotification[] = [];
const published: string[] = [];

const activities: CaseActivities = {
  async publishOutcome(o) {
    published.push(o.vin);
  },
  async recommendHold(h) {
    return { status: 201, idempotencyKey: `${h.caseId}-${h.runId}` };
  },
  async notify(n) {
    notified.push(n);
  },
};

before(async () => {
  assert.ok(
    existsSync(cli),
    `Temporal CLI not found at ${cli} (run infra/bin/stack up, or set ZM_TEMPORAL_CLI)`,
  );
  quietTemporalRuntime();
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: cli }, searchAttributes: Object.values(SA) },
  });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: WORKFLOWS_PATH,
    activities,
    sinks: caseViewSinks(),
  });
  running = worker.run();
  cases = createCaseClient(env.client, { taskQueue });
});

after(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await env?.teardown();
});

const caseWhere = caseWhereOn({ getCase: (key) => cases.getCase(key) });
const breachOf = (c: CaseState) => c.audit.filter((a) => a.action === 'sla-breached');

describe('case SLA timers (private dev server, mocked activities)', { timeout: 120_000 }, () => {
  test('an unclaimed case breaches at its due time: escalated to supervisors, notified once', async () => {
    const vin = randomVin();
    await cases.signalAlert(makeAlert(vin, { severity: 'HIGH' }), config);
    const opened = await caseWhere(vin, (c) => c.evidence.length === 1, 'opened');
    const due = Date.parse(opened.slaDueAt!);
    assert.ok(Math.abs(due - Date.parse(opened.openedAt) - slaMs.HIGH) < 1_000, 'due = opening + HIGH SLA');

    const c = await caseWhere(vin, (x) => x.status === 'escalated', 'breach');
    const [breach] = breachOf(c);
    assert.ok(
      Date.parse(breach!.at) >= due,
      `breached at ${breach!.at}, not before its due time ${opened.slaDueAt}`,
    );
    assert.equal(
      breach!.detail,
      `due ${opened.slaDueAt}; ${config.routing.standardQueue} -> ${config.routing.supervisorQueue}`,
    );
    assert.equal(c.queue, config.routing.supervisorQueue);
    assert.equal(c.slaDueAt, null);
    const n = await eventually(async () => notified.find((x) => x.vin === vin), 10_000, 'notification');
    assert.equal(n.kind, 'sla-breached');
    assert.equal(n.slaDueAt, opened.slaDueAt);
    await env.sleep(1_000);
    assert.equal(notified.filter((x) => x.vin === vin).length, 1, 'no second breach while escalated');
  });

  test('worse evidence tightens a running SLA: the breach comes at the tighter due time', async () => {
    const vin = randomVin();
    await cases.signalAlert(makeAlert(vin, { severity: 'LOW' }), config);
    const low = await caseWhere(vin, (c) => c.evidence.length === 1, 'opened');
    await cases.signalAlert(makeAlert(vin, { severity: 'CRITICAL' }), config);
    const critical = await caseWhere(vin, (c) => c.evidence.length === 2, 'worse evidence');
    assert.ok(Date.parse(critical.slaDueAt!) < Date.parse(low.slaDueAt!), 'tighter than the LOW SLA');
    const c = await caseWhere(
      vin,
      (x) => x.status === 'escalated',
      'breach at the CRITICAL due time',
      15_000,
    );
    assert.equal(breachOf(c)[0]!.detail?.startsWith(`due ${critical.slaDueAt};`), true);
  });

  test('claiming an escalated case restarts its SLA, which can breach again', async () => {
    const vin = randomVin();
    await cases.signalAlert(makeAlert(vin, { severity: 'CRITICAL' }), config);
    await caseWhere(vin, (c) => c.status === 'escalated', 'first breach');
    const claimed = await cases.claim(vin, { by: 'ana' });
    assert.equal(claimed.status, 'in_review');
    assert.ok(claimed.slaDueAt, 'a fresh SLA');
    const c = await caseWhere(vin, (x) => x.escalations === 2, 'second breach');
    assert.equal(c.status, 'escalated');
    assert.equal(breachOf(c).length, 2);
  });

  test('a case decided before its due time never breaches; a release keeps the running SLA', async () => {
    const vin = randomVin();
    await cases.signalAlert(makeAlert(vin, { severity: 'MEDIUM' }), config);
    const opened = await caseWhere(vin, (c) => c.evidence.length === 1, 'opened');
    await cases.claim(vin, { by: 'ana' });
    const released = await cases.release(vin, { by: 'ana' });
    assert.equal(released.slaDueAt, opened.slaDueAt, 'release does not restart the SLA');
    await cases.claim(vin, { by: 'bob' });
    await cases.decide(vin, { by: 'bob', decision: 'dismiss', reason: 'demo car' });
    const wait = Date.parse(opened.slaDueAt!) - Date.now() + 1_000;
    await env.sleep(Math.max(wait, 0));
    await eventually(async () => (published.includes(vin) ? true : undefined), 10_000, 'outcome published');
    const c = await env.client.workflow.getHandle(`case-${vin}`).result();
    assert.equal(c.status, 'dismissed');
    assert.equal(notified.filter((x) => x.vin === vin).length, 0, 'never notified');
  });
});
