import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoLog } from '../src/demo-log.js';

test('the demo’s own log lines (and what it passes to kafkajs and the simulator) go to its log file, not the terminal', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'zm-demo-log-')), 'logs');
  const written: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => (
    written.push(String(chunk)),
    true
  )) as typeof write;
  try {
    const { logger, file } = createDemoLog(dir);
    logger.warn({ kafkajs: { retries: 8 } }, 'a kafkajs warning');
    logger.child({ component: 'simulator' }).info('simulator started');
    logger.flush();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string });
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['a kafkajs warning', 'simulator started'],
    );
    assert.equal(file, join(dir, 'demo-demo.log'));
  } finally {
    process.stdout.write = write;
  }
  assert.deepEqual(written, []);
});
