import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { lastLines } from '../src/log-tail.js';

const dir = mkdtempSync(join(tmpdir(), 'zm-log-tail-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('lastLines', () => {
  it('returns the last n non-blank lines of a file', () => {
    const f = join(dir, 'a.log');
    writeFileSync(f, 'one\ntwo\n\nthree\r\nfour\n');
    assert.deepEqual(lastLines(f, 3), ['two', 'three', 'four']);
    assert.deepEqual(lastLines(f, 10), ['one', 'two', 'three', 'four']);
  });

  it('reads only the end of a big file and drops the line the read cut in half', () => {
    const f = join(dir, 'big.log');
    const lines = Array.from({ length: 10_000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`);
    writeFileSync(f, lines.join('\n') + '\n');
    const got = lastLines(f, 1_000, 1_024);
    assert.ok(got.length > 10 && got.length < 1_024 / 20, `${got.length} lines`);
    assert.deepEqual(got, lines.slice(-got.length), 'only whole lines, the last ones');
  });

  it('gives no lines for a missing file instead of throwing', () => {
    assert.deepEqual(lastLines(join(dir, 'nope.log'), 5), []);
  });
});
