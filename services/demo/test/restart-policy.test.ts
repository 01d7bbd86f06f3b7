import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backoffMs,
  decideRestart,
  describePolicy,
  DEFAULT_RESTART_POLICY,
  NO_CRASHES,
  type CrashStreak,
  type RestartDecision,
} from '../src/restart-policy.js';

const P = DEFAULT_RESTART_POLICY;

/** Feeds a sequence of process lifetimes through the policy, as the supervisor does. */
function replay(uptimesMs: number[]): RestartDecision[] {
  let streak: CrashStreak = NO_CRASHES;
  return uptimesMs.map((u) => {
    const d = decideRestart(streak, u, P);
    streak = d.streak;
    return d;
  });
}

describe('restart policy', () => {
  it('backs off exponentially from 1 s and caps the wait at 15 s', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7].map((n) => backoffMs(n, P)),
      [1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000],
    );
    assert.equal(backoffMs(50, { ...P, maxRapidCrashes: 100 }), 15_000, 'no overflow past the cap');
  });

  it('restarts a crash loop at 1, 2, 4, 8 s and gives up on the 5th rapid crash, saying why', () => {
    const ds = replay([500, 500, 500, 500, 500]);
    assert.deepEqual(
      ds.map((d) => (d.action === 'restart' ? d.delayMs : d.action)),
      [1_000, 2_000, 4_000, 8_000, 'give-up'],
    );
    const last = ds.at(-1)!;
    assert.equal(last.action, 'give-up');
    assert.equal(
      last.action === 'give-up' && last.reason,
      '5 crashes in a row, each within 30 s of starting',
    );
  });

  it('treats a crash after a stable run as a new incident: restart at once, streak reset', () => {
    const ds = replay([500, 500, 500, 500, 60_000, 500]);
    assert.deepEqual(
      ds.map((d) => (d.action === 'restart' ? d.delayMs : d.action)),
      [1_000, 2_000, 4_000, 8_000, 0, 1_000],
    );
  });

  it('never gives up on a service that keeps running for longer than stableMs between crashes', () => {
    const ds = replay(Array.from({ length: 50 }, () => P.stableMs));
    assert.ok(ds.every((d) => d.action === 'restart' && d.delayMs === 0));
  });

  it('describes the default schedule in the words the banner prints', () => {
    assert.equal(describePolicy(P), 'backoff 1, 2, 4, 8 s; gives up after 5 crashes within 30 s of starting');
  });
});
