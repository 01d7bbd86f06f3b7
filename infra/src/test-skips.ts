// The skip policy of infra/bin/test: every skipped (or todo) test is listed by name at the end of a
// run, and under CI=true only the ones named in .ci/allowed-skips.txt, each with its reason, may
// skip — a green CI run must not have validated nothing. Also the in-test half of the policy:
// `missingTool` fails a test in CI whose tool cannot be had, and skips it elsewhere.
//   node --import tsx infra/src/test-skips.ts <results.tap> <allowed-skips.txt>
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** True in CI (CI=true, as GitHub Actions, GitLab CI and .ci/run set it): no test may skip there unless allowed. */
export const IN_CI = process.env.CI === 'true';

/**
 * For a test whose tool (a validator, a client, a server profile) cannot be had: under CI=true it
 * throws `reason` (the test fails saying why), elsewhere it skips the test with it. Returns true, so
 * a test reads `if (reason && missingTool(t, reason)) return;`.
 */
export function missingTool(t: { skip(message: string): void }, reason: string): true {
  if (IN_CI) throw new Error(`${reason} (CI=true: a test may not skip for lack of a tool)`);
  t.skip(reason);
  return true;
}

export interface SkippedTest {
  name: string;
  /** SKIP or TODO. */
  directive: string;
  reason: string;
}

/** Every `ok N - name # SKIP|TODO reason` line of node's TAP output (subtests are indented). */
export function skippedTests(tap: string): SkippedTest[] {
  const out: SkippedTest[] = [];
  for (const line of tap.split('\n')) {
    const m = /^\s*(?:not )?ok \d+ - (.*?) # (SKIP|TODO)\b ?(.*)$/i.exec(line);
    if (m) out.push({ name: unescape(m[1]!), directive: m[2]!.toUpperCase(), reason: unescape(m[3]!) });
  }
  return out;
}

/** node's TAP reporter escapes `\` and `#` in names and reasons. */
const unescape = (s: string) => s.replace(/\\([#\\])/g, '$1');

/**
 * The allowed-skips file: one `test name :: reason` per line, `#` comments and blank lines ignored.
 * A line without a reason is an error: an allowed skip says why.
 */
export function parseAllowedSkips(text: string): Map<string, string> {
  const allowed = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const at = line.lastIndexOf(' :: ');
    const name = at < 0 ? '' : line.slice(0, at).trim();
    const reason = at < 0 ? '' : line.slice(at + 4).trim();
    if (!name || !reason) throw new Error(`line ${i + 1}: expected "test name :: reason", got "${line}"`);
    allowed.set(name, reason);
  });
  return allowed;
}

/** The report's lines and whether the run may pass (in CI only allowed skips; elsewhere any). */
export function skipReport(
  skipped: SkippedTest[],
  allowed: Map<string, string>,
  inCi: boolean,
): { lines: string[]; ok: boolean } {
  const lines = [`skipped tests: ${skipped.length}`];
  let ok = true;
  for (const s of skipped) {
    const why = allowed.get(s.name);
    const verdict = why !== undefined ? 'allowed' : inCi ? 'NOT ALLOWED in CI' : 'not allowed in CI';
    if (why === undefined && inCi) ok = false;
    lines.push(`  ${s.directive.toLowerCase()}: ${s.name} — ${s.reason || '(no reason given)'} [${verdict}]`);
  }
  if (!ok)
    lines.push(
      'a test skipped in CI that .ci/allowed-skips.txt does not allow: make its tool installable, or add it there with its reason',
    );
  return { lines, ok };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [tapFile, allowedFile] = process.argv.slice(2);
  if (!tapFile || !allowedFile) {
    console.error('usage: test-skips.ts <results.tap> <allowed-skips.txt>');
    process.exit(2);
  }
  let tap = '';
  try {
    tap = readFileSync(tapFile, 'utf8');
  } catch {
    // no tests ran: nothing skipped
  }
  const { lines, ok } = skipReport(
    skippedTests(tap),
    parseAllowedSkips(readFileSync(allowedFile, 'utf8')),
    IN_CI,
  );
  console.log(lines.join('\n'));
  process.exit(ok ? 0 : 1);
}
