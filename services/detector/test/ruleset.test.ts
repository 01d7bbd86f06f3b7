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
  d.typologies.ZERO_MILEAGE.severityBands.HIGH = 10;
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

test('each typology has a threshold and increasing severity bands, and every typology is there', () => {
  const d = doc();
  d.typologies.RING_OR_TRADER.severityBands.HIGH = 10;
  assert.throws(
    () => parseRuleset(d),
    /typologies\.RING_OR_TRADER\.severityBands: severity bands must increase/,
  );
  const low = doc();
  low.typologies.COMPLIANCE_BREACH.threshold = 5;
  assert.throws(
    () => parseRuleset(low),
    /typologies\.COMPLIANCE_BREACH\.threshold: threshold must be at least/,
  );
  const missing = doc();
  delete missing.typologies.ZERO_MILEAGE;
  assert.throws(() => parseRuleset(missing), /typologies\.ZERO_MILEAGE/);
  const r = loadRuleset();
  assert.equal(r.typologies.ZERO_MILEAGE.threshold, 25);
  assert.equal(r.typologies.COMPLIANCE_BREACH.threshold, 20);
});

test('a missing file is a RulesetError naming the file', () => {
  assert.throws(
    () => loadRuleset('/nonexistent/ruleset.yaml'),
    /cannot read ruleset \/nonexistent\/ruleset.yaml/,
  );
});

test('dataQuality has defaults; beside typologies, the combined scale of 2026.3.0 (scoring, aggravatingOnly) is rejected by name', () => {
  const d = doc();
  delete d.dataQuality;
  assert.equal(parseRuleset(d).dataQuality.maxPlausibleOdometerKm, 1_000_000);
  d.rules.destinations[0].aggravatingOnly = false;
  assert.throws(
    () => parseRuleset(d),
    /rules\.destinations: aggravatingOnly belongs to the combined scoring/,
  );
  d.scoring = { minAlertScore: 25 };
  assert.throws(() => parseRuleset(d), /scoring/);
});
