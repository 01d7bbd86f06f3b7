// Every checked-in history (workflows/test/fixtures/histories/<release>/*.json, written by
// workflows/test/capture-histories.ts from that release's code) must replay with the current
// workflow code. This is what tests a `patched()` change against the histories it must still replay.
// No server needed: the replay worker runs in-process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { caseViewSinks, WORKFLOWS_PATH } from '../src/worker.js';
import { quietTemporalRuntime } from '@zmwatch/test-support/cases';

const root = fileURLToPath(new URL('./fixtures/histories/', import.meta.url));

interface Fixture {
  release: string;
  file: string;
  workflowId: string;
  history: unknown;
}

function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const release of readdirSync(root).sort()) {
    const manifest = JSON.parse(readFileSync(join(root, release, 'manifest.json'), 'utf8')) as {
      histories: Array<{ file: string; workflowId: string }>;
    };
    const files = readdirSync(join(root, release)).filter(
      (f) => f !== 'manifest.json' && f.endsWith('.json'),
    );
    assert.deepEqual(
      files.sort(),
      manifest.histories.map((h) => h.file).sort(),
      `${release}: manifest lists every history`,
    );
    for (const h of manifest.histories) {
      const history = JSON.parse(readFileSync(join(root, release, h.file), 'utf8')) as unknown;
      out.push({ release, file: h.file, workflowId: h.workflowId, history });
    }
  }
  return out;
}

test('every checked-in history replays with the current workflow code', { timeout: 180_000 }, async () => {
  quietTemporalRuntime();
  const all = fixtures();
  assert.ok(all.length >= 10, `found ${all.length} histories`);
  // The fixtures must exercise both patch branches, or this test would not guard them.
  const text = all.map((f) => JSON.stringify(f.history)).join('\n');
  const marker = (id: string) => Buffer.from(JSON.stringify(id)).toString('base64').slice(0, 16);
  for (const patch of [
    'routing-by-destination',
    'exporter-search-attribute',
    'alert-revisions',
    'typology-search-attribute',
  ])
    assert.ok(text.includes(marker(patch)), `a fixture carries the ${patch} patch marker`);

  const replays = Worker.runReplayHistories(
    { workflowsPath: WORKFLOWS_PATH, sinks: caseViewSinks() },
    all.map((f) => ({ workflowId: `${f.release}/${f.file}`, history: f.history })),
  );
  const failures: string[] = [];
  let n = 0;
  for await (const r of replays) {
    n++;
    if (r.error) failures.push(`${r.workflowId}: ${String(r.error)}`);
  }
  assert.equal(n, all.length, 'one replay result per history');
  assert.deepEqual(failures, []);
});
