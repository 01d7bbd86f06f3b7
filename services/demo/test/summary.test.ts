import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSummary, type DemoSummary } from '../src/summary.js';

const base: DemoSummary = {
  elapsedS: 60,
  events: { total: 10 },
  alerts: { bySeverity: {}, alerts: 0, revisions: 0, duplicates: 0, maxSeverityByVin: new Map() },
  cases: 0,
  dlq: {},
  holds: 0,
};

describe('demo summary', () => {
  it('puts the service health lines right under the header, before any figure', () => {
    const lines = formatSummary({
      ...base,
      services: ['services          FIGURES MAY BE INCOMPLETE:', '  detector was down 12 s (…)'],
    }).split('\n');
    assert.equal(lines[1], '== zmwatch demo summary (60 s)');
    assert.equal(lines[2], 'services          FIGURES MAY BE INCOMPLETE:');
    assert.equal(lines[3], '  detector was down 12 s (…)');
    assert.match(lines[4]!, /^events produced/);
  });

  it('says when the pipeline had not drained, and says nothing when it had', () => {
    const drained = formatSummary({ ...base, backlog: { inputs: 0, alerts: 0 } });
    assert.doesNotMatch(drained, /backlog/);
    const behind = formatSummary({ ...base, backlog: { inputs: 1234, alerts: -1 } });
    assert.match(
      behind,
      /backlog at end {4}1234 input record\(s\) not processed by the detector, unknown alert\(s\) not by the escalator/,
    );
  });
});
