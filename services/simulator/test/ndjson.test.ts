import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readNdjson } from '@zmwatch/schemas';
import { generateScenario, readGroundTruth, writeNdjson } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'zm-sim-ndjson-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('NDJSON output is readable by the schemas NDJSON reader; only noise records are rejected', async () => {
  const scenario = generateScenario({ seed: 5, vehicles: 4000, noise: 3 });
  const res = await writeNdjson(scenario, dir);
  assert.equal(res.aborted, false);

  let ok = 0;
  const rejectedLines: number[] = [];
  const firstSeen = new Map<string, number>();
  for await (const r of readNdjson(res.eventsPath)) {
    if (r.ok) {
      ok++;
      assert.equal(r.key, 'vin' in r.record ? r.record.vin : undefined);
      const id = 'eventId' in r.record ? r.record.eventId : '';
      firstSeen.set(id, firstSeen.get(id) ?? r.lineNo);
    } else rejectedLines.push(r.lineNo);
  }
  assert.equal(ok + rejectedLines.length, res.counts.total);

  const truth = await readGroundTruth(res.groundTruthPath);
  assert.equal(truth.vehicles.length, 4000);
  assert.equal(truth.summary?.total, res.counts.total);
  assert.equal(truth.summary?.complete, true);
  assert.equal(truth.scenario?.seed, '5');
  // Rejected lines are exactly the malformed and invalid-VIN records the ground truth lists (seq = line - 1).
  const expected = truth.noise
    .filter((n) => n.noise === 'malformed' || n.noise === 'invalid-vin')
    .map((n) => n.seq + 1)
    .sort((a, b) => a - b);
  assert.ok(expected.length > 20);
  assert.deepEqual(rejectedLines, expected);
  // Every listed duplicate repeats an event id first seen on an earlier line.
  for (const n of truth.noise.filter((x) => x.noise === 'duplicate')) {
    assert.ok(firstSeen.get(n.eventId!)! < n.seq + 1);
  }
  // Truth events are the ones with VINs of known vehicles.
  const vins = new Set(truth.vehicles.map((v) => v.vin));
  assert.ok(truth.vehicles.every((v) => typeof v.vin === 'string' && vins.has(v.vin)));
});
