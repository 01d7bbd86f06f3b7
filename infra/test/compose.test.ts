import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadTopicSpecs } from '@zmwatch/kit';
import { searchAttributes, TEMPORAL_SQLITE_PRAGMAS } from '../src/components/temporal.js';
import { indexedValueType, planSearchAttributes } from '../src/temporal-search-attributes.js';

const COMPOSE = fileURLToPath(new URL('../compose.yaml', import.meta.url));
const compose = parse(readFileSync(COMPOSE, 'utf8')) as {
  services: Record<string, { command?: string[] | string }>;
};

test('compose.yaml creates exactly the topics of infra/topics.yaml with the same partitions and retention', () => {
  const script = (compose.services.topics!.command as string[]).join('\n');
  const declared = [...script.matchAll(/([a-z0-9._-]+):(\d+):(\d+)/g)]
    .map((m) => `${m[1]}:${m[2]}:${m[3]}`)
    .sort();
  const expected = loadTopicSpecs()
    .map((s) => `${s.name}:${s.partitions}:${s.retentionHours}`)
    .sort();
  assert.deepEqual(declared, expected);
});

test('compose.yaml registers the same Temporal search attributes as the stack', () => {
  const flags = (compose.services.temporal!.command as string[]).filter((c) =>
    c.startsWith('--search-attribute='),
  );
  const declared = Object.fromEntries(
    flags.map((f) => f.slice('--search-attribute='.length).split('=') as [string, string]),
  );
  assert.deepEqual(declared, searchAttributes());
});

test('compose.yaml runs the dev server with the same SQLite pragmas as the stack', () => {
  const flags = (compose.services.temporal!.command as string[])
    .filter((c) => c.startsWith('--sqlite-pragma='))
    .map((c) => c.slice('--sqlite-pragma='.length));
  assert.deepEqual(flags, [...TEMPORAL_SQLITE_PRAGMAS]);
});

test('docker compose config accepts compose.yaml (when a compose client is installed)', (t) => {
  const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('no docker compose client on this machine');
    return;
  }
  const r = spawnSync('docker', ['compose', '-f', COMPOSE, 'config', '--quiet'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('stack up registers on a running Temporal the declared search attributes it lacks, and refuses a changed type', () => {
  assert.equal(indexedValueType('KeywordList'), 'INDEXED_VALUE_TYPE_KEYWORD_LIST');
  assert.equal(indexedValueType('Datetime'), 'INDEXED_VALUE_TYPE_DATETIME');
  const plan = planSearchAttributes(
    { ZmQueue: 'Keyword', ZmTypologies: 'KeywordList', ZmScore: 'Double' },
    { ZmQueue: 'INDEXED_VALUE_TYPE_KEYWORD', ZmScore: 'INDEXED_VALUE_TYPE_INT' },
  );
  assert.deepEqual(plan.missing, [['ZmTypologies', 'KeywordList']]);
  assert.deepEqual(plan.verified, ['ZmQueue']);
  assert.deepEqual(plan.conflicts, ['ZmScore is INDEXED_VALUE_TYPE_INT, declared Double']);
});
