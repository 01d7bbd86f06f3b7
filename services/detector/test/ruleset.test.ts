import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_RULESET_FILE, loadRuleset, parseRuleset, RulesetError } from '../src/ruleset.js';

const doc = () => parse(readFileSync(DEFAULT_RULESET_FILE, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

test('the shipped ruleset is valid and versioned', () => {
  const r = loadRuleset();
  assert.match(r.version, /^\d{4}\.\d+\.\d+$/);
  assert.deepEqual(r.rules.destinations.map((d) => d.country).sort(), ['KG', 'KZ', 'RU']);
});

test('an invalid ruleset is rejected with the path of every bad field', () => {
  const d = doc();
  d.rules.rapidExport.tiers = [
    { maxDays: 90, weight: 25 },
    { maxDays: 30, weight: 40 },
  ];
  d.rules.nearZeroOdometer.weight = -1;
  d.rules.destinations.push({ country: 'ru', kind: 'ban', withinDays: 1, weight: 1 });
  d.scoring.severityBands.HIGH = 10;
  d.rules.surprise = {};
  assert.throws(
    () => parseRuleset(d, 'test.yaml'),
    (err: unknown) => {
      assert.ok(err instanceof RulesetError);
      for (const path of [
        'rules.rapidExport',
        'rules.nearZeroOdometer.weight',
        'rules.destinations.3.country',
        'rules',
      ]) {
        assert.ok(err.message.includes(`  ${path}:`), `${path} missing in:\n${err.message}`);
      }
      return true;
    },
  );
});

test('severity bands must increase', () => {
  const d = doc();
  d.scoring.severityBands.HIGH = 10;
  assert.throws(() => parseRuleset(d), /scoring\.severityBands: severity bands must increase/);
});

test('a missing file is a RulesetError naming the file', () => {
  assert.throws(
    () => loadRuleset('/nonexistent/ruleset.yaml'),
    /cannot read ruleset \/nonexistent\/ruleset.yaml/,
  );
});

test('destination rules aggravate only unless a country says otherwise; dataQuality has defaults', () => {
  assert.ok(loadRuleset().rules.destinations.every((d) => d.aggravatingOnly));
  const d = doc();
  d.rules.destinations[0].aggravatingOnly = false;
  delete d.dataQuality;
  const r = parseRuleset(d);
  assert.equal(r.rules.destinations[0]!.aggravatingOnly, false);
  assert.equal(r.dataQuality.maxPlausibleOdometerKm, 1_000_000);
  d.rules.destinations[0].aggravatingOnly = 'yes';
  assert.throws(() => parseRuleset(d), /rules\.destinations\.0\.aggravatingOnly/);
});
