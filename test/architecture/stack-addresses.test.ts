// One home for the local stack's addresses: services/kit/src/ports.ts. Code reaches the stack through
// its config (kit's kafkaClientEnv, redisEnv, temporalClientEnv) or, in tests and benches, the kit's
// stackAddresses(); no other source file spells a stack port after a host or a colon.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS } from '@zmwatch/kit';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HOME = 'services/kit/src/ports.ts';
// Documentation and the deployment files of other tools cannot import the kit: the README's examples,
// compose.yaml and infra/k8s say where the stack listens in their own language.
const NOT_CODE = /\.(md|ya?ml|json|avsc|lock|patch|png|svg|css|html)$/;

const STACK_PORTS = [
  DEFAULT_PORTS.kafka,
  DEFAULT_PORTS.kafkaController,
  DEFAULT_PORTS.redis,
  DEFAULT_PORTS.temporal,
  DEFAULT_PORTS.temporalUi,
  DEFAULT_PORTS.temporalHttp,
];
const LITERAL = new RegExp(`[:/](${STACK_PORTS.join('|')})\\b`);

test('no source file outside the kit ports module contains a stack address literal', () => {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((f) => f !== '' && f !== HOME && !NOT_CODE.test(f));
  assert.ok(files.length > 100, `the tree is listed (${files.length} files)`);
  const found: string[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(join(ROOT, f), 'utf8');
    } catch {
      continue; // listed but deleted in the working tree
    }
    text.split('\n').forEach((line, i) => {
      if (LITERAL.test(line)) found.push(`${f}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('the check sees a literal', () => {
  assert.ok(LITERAL.test(`const brokers = '127.0.0.1:${DEFAULT_PORTS.kafka}';`));
  assert.ok(!LITERAL.test(`const brokers = \`127.0.0.1:\${DEFAULT_PORTS.kafka}\`;`));
});
