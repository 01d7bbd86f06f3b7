import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine, intOption, listOption, secondsOption, type CommandSpec } from '../src/args.js';
import { COMMANDS } from '../src/cli.js';
import { UsageError } from '../src/exit-codes.js';
import { parseOffsets } from '../src/commands/dlq.js';
import { caseKeyArg, queueFilters } from '../src/commands/cases.js';

const parse = (line: string) => parseCommandLine(line.split(' ').filter(Boolean), COMMANDS);
const command = (line: string) => {
  const r = parse(line);
  assert.ok(!('help' in r), `expected a command for "${line}"`);
  return r;
};

test('the longest matching command path wins and its options are parsed', () => {
  const r = command('cases decide LGXC74C47S0000001 --decision confirm --reason odometer --as ana --json');
  assert.deepEqual(r.spec.path, ['cases', 'decide']);
  assert.deepEqual(r.positionals, ['LGXC74C47S0000001']);
  assert.equal(r.values.decision, 'confirm');
  assert.equal(r.values.as, 'ana');
  assert.equal(r.json, true);
  assert.equal(command('lag').json, false);
});

test('no arguments, help and -h print usage instead of running anything', () => {
  for (const line of ['', 'help', '--help']) {
    const r = parse(line);
    assert.ok('help' in r);
    assert.match(r.help, /cases decide/);
    assert.match(r.help, /exit codes: 0 ok, 1 failure, 2 usage, 3 not found/);
  }
  const sub = parse('dlq replay -h');
  assert.ok('help' in sub);
  assert.match(sub.help, /usage: zmwatch dlq replay TOPIC/);
  assert.match(sub.help, /--offset OFFSET \(repeatable\)/);
});

test('usage errors: unknown commands, unknown options, wrong argument counts', () => {
  const cases: Array<[string, RegExp]> = [
    ['frobnicate', /unknown command "frobnicate"/],
    ['cases', /usage: zmwatch cases list\|show\|claim\|decide/],
    ['cases fly', /unknown command "cases fly"/],
    ['lag --bogus', /Unknown option '--bogus'/],
    ['cases show', /missing argument/],
    ['cases show A B', /unexpected argument "B"/],
    ['tail', /missing argument/],
    ['cases decide X --decision', /argument missing|requires|--decision/],
  ];
  for (const [line, msg] of cases)
    assert.throws(
      () => parse(line),
      (err: Error) => err instanceof UsageError && msg.test(err.message),
      line,
    );
});

test('delegating commands get their arguments untouched', () => {
  const r = command('stack logs kafka -n 5');
  assert.deepEqual(r.positionals, ['kafka', '-n', '5']);
  const sim = command('simulate --seed 42 --vehicles 10 --out /tmp/x');
  assert.deepEqual(sim.positionals, ['--seed', '42', '--vehicles', '10', '--out', '/tmp/x']);
});

test('option helpers validate and name the option', () => {
  assert.equal(intOption({}, 'limit', 50), 50);
  assert.equal(intOption({ limit: '7' }, 'limit', 50), 7);
  assert.throws(() => intOption({ limit: '0' }, 'limit', 50), /--limit must be an integer from 1/);
  assert.equal(secondsOption({ interval: '0.5' }, 'interval', 1), 500);
  assert.throws(
    () => secondsOption({ interval: 'soon' }, 'interval', 1),
    /--interval must be a positive number/,
  );
  assert.deepEqual(
    listOption({ severity: 'high,Critical' }, 'severity', ['LOW', 'HIGH', 'CRITICAL'] as const),
    ['HIGH', 'CRITICAL'],
  );
  assert.throws(
    () => listOption({ severity: 'urgent' }, 'severity', ['LOW'] as const),
    /--severity: unknown value "urgent"/,
  );
});

test('dlq offsets, case filters and VINs', () => {
  assert.deepEqual(parseOffsets({ offset: ['0:5', '1:7,1:8'] }), [
    { partition: 0, offset: '5' },
    { partition: 1, offset: '7' },
    { partition: 1, offset: '8' },
  ]);
  assert.throws(() => parseOffsets({ offset: ['5'] }), /PARTITION:OFFSET/);
  assert.deepEqual(
    queueFilters({
      severity: 'high',
      typology: 'ring_or_trader,COMPLIANCE_BREACH',
      destination: 'ru',
      assignee: 'none',
      registrant: 'Reg-1',
    }),
    {
      severity: ['HIGH'],
      typology: ['RING_OR_TRADER', 'COMPLIANCE_BREACH'],
      destination: 'RU',
      registrant: 'Reg-1',
      assignee: null,
    },
  );
  assert.throws(
    () => queueFilters({ typology: 'STRAW_BUYER' }),
    /--typology: unknown value "STRAW_BUYER" \(expected ZERO_MILEAGE, RING_OR_TRADER, COMPLIANCE_BREACH\)/,
  );
  assert.equal(caseKeyArg('lgxc74c47s0000001'), 'LGXC74C47S0000001');
  assert.throws(() => caseKeyArg('nope'), /not a VIN/);
  // Ring case ids are case keys too: the kind normalised to lower case, the entity id as it is.
  assert.equal(caseKeyArg('ring-TRANSFEREE-91310000TRF'), 'ring-transferee-91310000TRF');
  assert.equal(caseKeyArg('ring-cohort-CN-SH:2026-03-04'), 'ring-cohort-CN-SH:2026-03-04');
  assert.throws(
    () => caseKeyArg('ring-trader-X1'),
    /ring case id is ring-<exporter\|transferee\|registrant\|cohort>/,
  );
  assert.throws(() => caseKeyArg('ring-exporter-a b'), /not an entity id/);
});

test('every command has a summary and a unique path', () => {
  const paths = COMMANDS.map((c: CommandSpec<never>) => c.path.join(' '));
  assert.equal(new Set(paths).size, paths.length);
  for (const c of COMMANDS) assert.ok(c.summary.length > 10, c.path.join(' '));
  for (const needed of [
    'stack up',
    'replay',
    'tail',
    'cases list',
    'cases show',
    'cases claim',
    'cases decide',
    'alerts tail',
    'lag',
    'dlq list',
    'dlq replay',
    'simulate',
  ]) {
    assert.ok(paths.includes(needed), needed);
  }
});
