import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllowedSkips, skippedTests, skipReport } from '../src/test-skips.js';

// As node's TAP reporter writes them: a top-level skip, a skipped subtest, a todo, a passing test.
const TAP = `TAP version 13
# Subtest: real Schema Registry
    # Subtest: round-trips every topic through a real registry
    ok 1 - round-trips every topic through a real registry # SKIP ZM_SCHEMA_REGISTRY_URL is unset
ok 1 - real Schema Registry
ok 2 - the validators \\# strict # SKIP the validators could not be installed: pip failed
ok 3 - a later feature # TODO not yet
ok 4 - a test that ran
# pass 2
`;

test('skippedTests finds every SKIP and TODO, nested or not, with names and reasons unescaped', () => {
  assert.deepEqual(skippedTests(TAP), [
    {
      name: 'round-trips every topic through a real registry',
      directive: 'SKIP',
      reason: 'ZM_SCHEMA_REGISTRY_URL is unset',
    },
    {
      name: 'the validators # strict',
      directive: 'SKIP',
      reason: 'the validators could not be installed: pip failed',
    },
    { name: 'a later feature', directive: 'TODO', reason: 'not yet' },
  ]);
});

test('in CI only the allowed skips pass; elsewhere every skip is listed and the run passes', () => {
  const allowed = parseAllowedSkips(
    '# comment\n\nround-trips every topic through a real registry :: covered by the Apicurio test\n',
  );
  const skipped = skippedTests(TAP);
  const ci = skipReport(skipped, allowed, true);
  assert.equal(ci.ok, false);
  assert.match(ci.lines.join('\n'), /skip: the validators # strict — .*\[NOT ALLOWED in CI\]/);
  assert.match(ci.lines.join('\n'), /todo: a later feature — not yet \[NOT ALLOWED in CI\]/);
  assert.match(ci.lines.join('\n'), /round-trips every topic through a real registry — .*\[allowed\]/);
  assert.equal(skipReport(skipped.slice(0, 1), allowed, true).ok, true);
  assert.equal(skipReport(skipped, allowed, false).ok, true);
});

test('an allowed skip without a reason is refused', () => {
  assert.throws(() => parseAllowedSkips('some test\n'), /line 1: expected "test name :: reason"/);
  assert.throws(() => parseAllowedSkips('some test :: \n'), /line 1/);
});

test('.ci/allowed-skips.txt parses and gives every entry a reason', () => {
  const file = fileURLToPath(new URL('../../.ci/allowed-skips.txt', import.meta.url));
  const allowed = parseAllowedSkips(readFileSync(file, 'utf8'));
  for (const [name, reason] of allowed) assert.ok(reason.length > 20, `${name}: a reason, not a word`);
});
