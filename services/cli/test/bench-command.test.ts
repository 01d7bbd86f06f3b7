import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@zmwatch/kit';
import { parseCommandLine } from '../src/args.js';
import { COMMANDS, runCli } from '../src/cli.js';
import { BENCHMARKS } from '../src/commands/bench.js';
import { EXIT } from '../src/exit-codes.js';
import type { Io } from '../src/io.js';

function captureIo(): Io & { outText: string[]; errText: string[] } {
  const outText: string[] = [];
  const errText: string[] = [];
  return {
    outText,
    errText,
    out: (s: string) => void outText.push(s),
    err: (s: string) => void errText.push(s),
    progress: () => {},
    progressDone: () => {},
    isTty: false,
  };
}

test('every benchmark zmwatch bench names exists as a script in bench/', () => {
  for (const [name, b] of Object.entries(BENCHMARKS))
    assert.ok(existsSync(join(REPO_ROOT, 'bench', b.script)), `${name}: bench/${b.script}`);
});

test('zmwatch bench passes its arguments through to the script untouched', () => {
  const r = parseCommandLine(['bench', 'detector', '200000', '20000', 'raw,batched'], COMMANDS);
  assert.ok(!('help' in r));
  assert.deepEqual(r.spec.path, ['bench']);
  assert.deepEqual(r.positionals, ['detector', '200000', '20000', 'raw,batched']);
});

test('zmwatch bench with an unknown name is a usage error listing the benchmarks', async () => {
  const io = captureIo();
  const code = await runCli(['bench', 'nope'], io, {}, new AbortController().signal);
  assert.equal(code, EXIT.usage);
  assert.match(io.errText.join('\n'), /unknown benchmark "nope"/);
  assert.match(io.errText.join('\n'), /scaling\s+1, 2 and 3 detector processes/);
});
