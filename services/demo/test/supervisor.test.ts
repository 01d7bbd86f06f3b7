// The supervisor with real child processes (a tiny node script, not the stack): a SIGKILLed child
// is reported with its log and restarted, a crash loop is given up on, a clean exit counts as a death.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { RestartPolicy } from '../src/restart-policy.js';
import { formatServiceHealth } from '../src/service-report.js';
import { superviseService, type SupervisedService } from '../src/supervisor.js';
import { freePort } from '@zmwatch/test-support/free-port';

const CHILD = 'services/demo/test/support/child.ts';
// stableMs is far above how long a child can take to start on a loaded machine: every run in
// this file counts as a rapid crash, so the backoff the assertions expect never resets.
const FAST: RestartPolicy = { baseMs: 200, factor: 2, capMs: 1_000, stableMs: 120_000, maxRapidCrashes: 3 };
const logDir = mkdtempSync(join(tmpdir(), 'zm-supervisor-'));
after(() => rmSync(logDir, { recursive: true, force: true }));

async function until<T>(what: string, probe: () => T | null | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('superviseService with a real child process', { timeout: 60_000 }, () => {
  it('reports a SIGKILLed service at once with its log, restarts it, and measures the outage until ready', async () => {
    const port = await freePort();
    const reports: string[] = [];
    const sup: SupervisedService = superviseService({
      spec: {
        name: 'sigkill-child',
        main: CHILD,
        runtime: 'tsx',
        env: { CHILD_PORT: String(port), CHILD_READY_DELAY_MS: '300' },
        readyUrl: `http://127.0.0.1:${port}/`,
      },
      logDir,
      policy: FAST,
      report: (t) => reports.push(t),
    });
    try {
      await sup.ready(20_000);
      const first = sup.current()!.child.pid!;
      assert.ok(process.kill(first, 0), 'first child is alive');
      process.kill(first, 'SIGKILL');

      const death = await until('the death report', () => reports.find((r) => r.startsWith('!!')));
      assert.match(
        death,
        /^!! sigkill-child killed by SIGKILL after [\d.]+ s up; restarting it in 0\.2 s \(restart 1\)/,
      );
      assert.match(death, new RegExp(`\\| child ${first} started`), 'the log tail is quoted');

      const second = await until('a new child', () => {
        const pid = sup.current()?.child.pid;
        return pid !== undefined && pid !== first ? pid : undefined;
      });
      await until('the recovery report', () => reports.find((r) => r.startsWith('-- sigkill-child is back')));
      // The restarted process really serves.
      const body = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      assert.equal(body, `ok ${second}`);

      const h = sup.health();
      assert.equal(h.restarts, 1);
      assert.equal(h.gaveUp, null);
      assert.equal(h.outages.length, 1);
      const o = h.outages[0]!;
      assert.deepEqual(o.exit, { code: null, signal: 'SIGKILL' });
      assert.ok(o.endedAt !== null);
      // Down from the kill until the new process answered: at least its 300 ms ready delay.
      assert.ok(o.endedAt - o.startedAt >= 300, `outage ${o.endedAt - o.startedAt} ms`);
      const summary = formatServiceHealth([h], {
        now: Date.now(),
        startedAt: o.startedAt - 1000,
        impact: {},
      });
      assert.match(summary.join('\n'), /sigkill-child was down [\d.]+ s \(killed by SIGKILL, restarted 1×\)/);
    } finally {
      await sup.stop();
    }
    // Stopping is not a death: nothing more reported, no restart, the child is gone.
    const reportsAfterStop = reports.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(reports.length, reportsAfterStop);
    assert.equal(sup.health().restarts, 1);
    assert.match(readFileSync(sup.logFile, 'utf8'), /stopping/);
  });

  it('gives up after the policy’s rapid crashes, says so, and rejects ready()', async () => {
    const reports: string[] = [];
    const sup = superviseService({
      spec: {
        name: 'crash-loop',
        main: CHILD,
        runtime: 'tsx',
        env: { CHILD_EXIT_CODE: '3' },
        readyUrl: 'http://127.0.0.1:9/',
      },
      logDir,
      policy: FAST,
      report: (t) => reports.push(t),
    });
    await assert.rejects(sup.ready(30_000), /crash-loop could not be kept running \(3 crashes in a row/);
    const h = sup.health();
    assert.equal(h.restarts, 2);
    assert.equal(h.outages.length, 3);
    assert.ok(h.gaveUp);
    assert.ok(h.outages.every((o) => o.exit.code === 3 && o.exit.signal === null));
    assert.equal(reports.length, 3);
    assert.match(reports[0]!, /crash-loop exited with code 3 .*restarting it in 0\.2 s \(restart 1\)/);
    assert.match(reports[1]!, /restarting it in 0\.4 s \(restart 2\)/);
    assert.match(reports[2]!, /giving up \(3 crashes in a row/);
    assert.match(reports[2]!, /failing on purpose with code 3/);
    assert.equal(sup.current(), undefined);
    await sup.stop();
  });

  it('counts a clean exit the demo did not ask for as a death', async () => {
    const reports: string[] = [];
    const sup = superviseService({
      spec: { name: 'quitter', main: CHILD, runtime: 'tsx', env: { CHILD_EXIT_CODE: '0' } },
      logDir,
      policy: { ...FAST, maxRapidCrashes: 1 },
      report: (t) => reports.push(t),
    });
    await until('the give-up', () => sup.health().gaveUp);
    assert.match(reports[0]!, /quitter exited with code 0 while the demo was running/);
    await sup.stop();
  });
});
