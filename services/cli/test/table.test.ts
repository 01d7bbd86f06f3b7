import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount, formatDuration, formatTable } from '../src/table.js';
import { formatCaseTable } from '../src/commands/cases.js';
import { formatLag } from '../src/commands/lag.js';
import type { LagSnapshot } from '@zmwatch/ops';
import { DAY_MS, HOUR_MS } from '@zmwatch/schemas';
import type { CaseSummary } from '@zmwatch/workflows';

test('tables align text left and numbers right, with upper-case headers', () => {
  const out = formatTable(
    [
      { name: 'alpha', n: 5 },
      { name: 'b', n: 12345 },
    ],
    [
      { header: 'name', value: (r) => r.name },
      { header: 'n', value: (r) => formatCount(r.n), align: 'right' },
    ],
  );
  assert.equal(out, ['NAME        N', 'alpha       5', 'b      12,345'].join('\n'));
});

test('long cells are cut with an ellipsis, missing values shown as -, empty tables say so', () => {
  const out = formatTable(
    [{ a: 'x'.repeat(20), b: null }],
    [
      { header: 'a', value: (r) => r.a, max: 8 },
      { header: 'b', value: (r) => r.b },
    ],
  );
  assert.equal(out.split('\n')[1], 'xxxxxxx…  -');
  assert.equal(formatTable([], [{ header: 'a', value: () => 1 }], '(no cases)'), '(no cases)');
});

test('durations are short and human', () => {
  assert.equal(formatDuration(850), '850ms');
  assert.equal(formatDuration(12_345), '12.3s');
  assert.equal(formatDuration(245_000), '4m05s');
  assert.equal(formatDuration(7_800_000), '2h10m');
  assert.equal(formatDuration(3 * DAY_MS + 4 * HOUR_MS), '3d04h');
  assert.equal(formatDuration(-90_000), '-1m30s');
  assert.equal(formatDuration(null), '-');
});

test('the case table shows SLA due and age relative to now, and which rows are ring cases', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const vehicle: CaseSummary = {
    caseId: 'case-V',
    vin: 'LGXC74C47S0000001',
    runId: 'r',
    queue: 'standard',
    status: 'open',
    severity: 'HIGH',
    score: 70,
    assignee: null,
    destination: 'RU',
    registrant: 'REG-1',
    typologies: ['RING_OR_TRADER', 'ZERO_MILEAGE'],
    jurisdiction: 'CN-GD',
    slaDueAt: new Date(now + 2 * 3_600_000),
    openedAt: new Date(now - 90_000),
    executionStatus: 'RUNNING',
  };
  const ring = 'ring-transferee-91310000TRF';
  const out = formatCaseTable([vehicle, { ...vehicle, caseId: ring, vin: ring }], now);
  const [header, row, ringRow] = out.split('\n');
  assert.match(header!, /^CASE\s+KIND\s+SEVERITY\s+TYPOLOGY\s+STATUS\s+SCORE/);
  assert.match(
    row!,
    /LGXC74C47S0000001\s+vehicle\s+HIGH\s+RING_OR_TRADER,ZERO_MILEAGE\s+open\s+70\s+standard\s+RU\s+REG-1\s+-\s+2h00m\s+1m30s$/,
  );
  assert.match(ringRow!, /^ring-transferee-91310000TRF\s+ring\s+HIGH/);
});

test('the lag table lists groups, and partitions on request', () => {
  const snapshot: LagSnapshot = {
    at: 0,
    groups: [
      {
        groupId: 'zm-detector',
        state: 'Stable',
        members: 2,
        status: 'STALLED',
        totalLag: 1200,
        maxTimeLagMs: 65_000,
        topics: ['customs.declarations.v1'],
        partitions: [
          {
            topic: 'customs.declarations.v1',
            partition: 0,
            committed: 10,
            high: 1210,
            lag: 1200,
            timeLagMs: 65_000,
            status: 'STALLED',
            reason: 'offset 10 unchanged for 30 s with lag 1200',
          },
        ],
      },
    ],
    topics: [
      {
        topic: 'customs.declarations.v1',
        partitions: 6,
        retained: 5000,
        highWatermark: 5000,
        perSecond: 12.5,
      },
    ],
  };
  const out = formatLag(snapshot, false);
  assert.match(out, /zm-detector\s+STALLED\s+Stable\s+2\s+1,200\s+1m05s\s+customs\.declarations\.v1/);
  assert.match(out, /customs\.declarations\.v1\s+6\s+12\.5\s+5,000/);
  assert.doesNotMatch(out, /unchanged for/);
  assert.match(formatLag(snapshot, true), /STALLED\s+offset 10 unchanged for 30 s/);
});
