import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  condenseLogLine,
  describeExit,
  formatDeath,
  formatDuration,
  formatRecovery,
  formatServiceHealth,
  type ServiceHealth,
} from '../src/service-report.js';
import { SERVICE_IMPACT } from '../src/services.js';

const T0 = 1_700_000_000_000;
const ok = (name: string): ServiceHealth => ({ name, restarts: 0, outages: [], gaveUp: null });

describe('service report wording', () => {
  it('describes signals, exit codes and an unasked-for clean exit', () => {
    assert.equal(describeExit({ code: null, signal: 'SIGKILL' }), 'killed by SIGKILL');
    assert.equal(describeExit({ code: 1, signal: null }), 'exited with code 1');
    assert.equal(describeExit({ code: 0, signal: null }), 'exited with code 0 while the demo was running');
  });

  it('formats durations for people', () => {
    assert.deepEqual([800, 12_400, 119_000, 133_000].map(formatDuration), [
      '0.8 s',
      '12 s',
      '119 s',
      '2 min 13 s',
    ]);
  });

  it('prints a death with what happens next and the quoted, truncated log tail', () => {
    const text = formatDeath({
      name: 'detector',
      exit: { code: null, signal: 'SIGKILL' },
      uptimeMs: 42_000,
      logFile: '/x/demo-detector.log',
      logTail: ['{"msg":"batch"}', 'y'.repeat(300)],
      next: { restartInMs: 0, restartNo: 1 },
    });
    const lines = text.split('\n');
    assert.equal(lines[0], '!! detector killed by SIGKILL after 42 s up; restarting it now (restart 1)');
    assert.equal(lines[1], '   last lines of /x/demo-detector.log:');
    assert.equal(lines[2], '   | batch', 'a JSON log line is condensed to its message');
    assert.equal(lines[3], `   | ${'y'.repeat(240)}…`);
    const gaveUp = formatDeath({
      name: 'worker',
      exit: { code: 1, signal: null },
      uptimeMs: 900,
      logFile: '/x/demo-worker.log',
      logTail: [],
      next: { gaveUp: '5 crashes in a row' },
    });
    assert.match(
      gaveUp,
      /^!! worker exited with code 1 after 0\.9 s up; giving up \(5 crashes in a row\); the other services keep running/,
    );
    assert.match(gaveUp, /\(\/x\/demo-worker\.log is empty\)/);
    assert.equal(formatRecovery('detector', 12_000, 1), '-- detector is back after 12 s down (restart 1)');
  });

  it('condenses a pino JSON log line to time, level, message and error; other lines stay as they are', () => {
    const pino = JSON.stringify({
      level: 50,
      time: '2026-12-01T21:52:12.530Z',
      service: 'detector',
      vin: 'L6T7E2A2XTC113325',
      err: { type: 'Error', message: 'Connection is closed.', stack: 'Error: …' },
      msg: 'batch failed; retrying',
    });
    assert.equal(condenseLogLine(pino), '21:52:12.530 error batch failed; retrying: Connection is closed.');
    assert.equal(condenseLogLine('{"no":"msg"}'), '{"no":"msg"}');
    assert.equal(condenseLogLine('Error: boom'), 'Error: boom');
  });

  it('says in one line when every service ran throughout', () => {
    assert.deepEqual(
      formatServiceHealth([ok('detector'), ok('console')], {
        now: T0,
        startedAt: T0,
        impact: SERVICE_IMPACT,
      }),
      ['services          detector, console ran throughout (no restarts)'],
    );
  });

  it('says plainly which figures a restarted service made incomplete, with its downtime and cause', () => {
    const detector: ServiceHealth = {
      name: 'detector',
      restarts: 1,
      outages: [{ startedAt: T0 + 30_000, endedAt: T0 + 42_000, exit: { code: null, signal: 'SIGKILL' } }],
      gaveUp: null,
    };
    const lines = formatServiceHealth([detector, ok('escalator')], {
      now: T0 + 90_000,
      startedAt: T0,
      impact: SERVICE_IMPACT,
    });
    assert.deepEqual(lines, [
      'services          FIGURES MAY BE INCOMPLETE:',
      `  detector was down 12 s (killed by SIGKILL, restarted 1×): ${SERVICE_IMPACT.detector}`,
      '  escalator ran throughout',
    ]);
    assert.match(SERVICE_IMPACT.detector, /alerts may be late or missing/);
  });

  it('sums outages, lists mixed causes, and says when a service was not running at the end', () => {
    const worker: ServiceHealth = {
      name: 'worker',
      restarts: 2,
      outages: [
        { startedAt: T0 + 10_000, endedAt: T0 + 11_000, exit: { code: null, signal: 'SIGTERM' } },
        { startedAt: T0 + 50_000, endedAt: T0 + 52_000, exit: { code: 1, signal: null } },
        { startedAt: T0 + 52_000, endedAt: null, exit: { code: 1, signal: null } },
      ],
      gaveUp: { at: T0 + 52_000, reason: '2 crashes in a row, each within 30 s of starting' },
    };
    const [head, line] = formatServiceHealth([worker], { now: T0 + 62_000, startedAt: T0, impact: {} });
    assert.equal(head, 'services          FIGURES MAY BE INCOMPLETE:');
    assert.equal(
      line,
      '  worker was down 13 s and NOT running at the end: gave up 52 s into the run after 2 crashes in a row, ' +
        'each within 30 s of starting (killed by SIGTERM 1×, exited with code 1 2×, restarted 2×): its figures may be incomplete',
    );
  });
});
