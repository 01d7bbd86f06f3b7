// A ruleset in the combined format of 2026.3.0 (`scoring` instead of `typologies`) is judged as that
// release judged it: one score over every rule, destination rules aggravating only, the check digit
// when any rule fired. The Kafka Streams peer (../shared/peer) mirrors exactly that release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { evaluate, RULE_IDS } from '../src/evaluate.js';
import { DEFAULT_RULESET_FILE, parseRuleset } from '../src/ruleset.js';
import { evaluationSubject, openDeclaration } from './support/evaluation-fixtures.js';
import { DAY, T0 } from '@zmwatch/test-support/events';

const BANDS = { LOW: 25, MEDIUM: 45, HIGH: 70, CRITICAL: 90 };
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const shipped = (): Record<string, any> => parse(readFileSync(DEFAULT_RULESET_FILE, 'utf8'));
function combinedDoc() {
  const d = shipped();
  delete d.typologies;
  delete d.entitySignals;
  d.version = '2026.3.0';
  d.scoring = { minAlertScore: 25, severityBands: BANDS };
  return d;
}
const combined = parseRuleset(combinedDoc(), '2026.3.0.yaml');
const typologies = parseRuleset(shipped());
const ids = (e: ReturnType<typeof evaluate>) => e.rules.map((r) => r.ruleId);

test('a 2026.3.0 ruleset loads: combined scale kept, every typology on its threshold and bands', () => {
  assert.deepEqual(combined.combined, { minAlertScore: 25, severityBands: BANDS });
  for (const t of Object.values(combined.typologies))
    assert.deepEqual(t, { threshold: 25, severityBands: BANDS });
  assert.equal(typologies.combined, undefined);
});

test('aggravatingOnly is a combined-scale setting: rejected beside typologies', () => {
  const d = shipped();
  d.rules.destinations[0].aggravatingOnly = false;
  assert.throws(
    () => parseRuleset(d),
    /rules\.destinations: aggravatingOnly belongs to the combined scoring/,
  );
  const c = combinedDoc();
  c.rules.destinations[0].aggravatingOnly = false;
  assert.equal(parseRuleset(c).rules.destinations[0]!.aggravatingOnly, false);
});

test('combined: one score over every rule; a destination rule only aggravates what already alerts', () => {
  const early = T0 + 20 * DAY; // rapid export tier 1 (40)
  const late = T0 + 200 * DAY; // no timing tier; RU bans < 365 days
  const subject = evaluationSubject();
  const ruOnly = evaluate(subject, openDeclaration({ eventTime: late, destinationCountry: 'RU' }), combined);
  assert.deepEqual(ids(ruOnly), []);
  assert.equal(ruOnly.alert, false);
  // the same declaration under typologies: the ban is a compliance finding of its own
  assert.deepEqual(
    ids(evaluate(subject, openDeclaration({ eventTime: late, destinationCountry: 'RU' }), typologies)),
    [RULE_IDS.destinationBan],
  );
  const ru = evaluate(subject, openDeclaration({ eventTime: early, destinationCountry: 'RU' }), combined);
  assert.deepEqual(ids(ru), [RULE_IDS.rapidExport, RULE_IDS.destinationBan]);
  assert.equal(ru.score, 70);
  assert.equal(ru.severity, 'HIGH');
  assert.ok(ru.alert);
  // each typology its rules support is named, with the combined verdict
  assert.deepEqual(
    ru.typologies.map((t) => [t.typology, t.score, t.severity, t.reached]),
    [
      ['ZERO_MILEAGE', 70, 'HIGH', true],
      ['COMPLIANCE_BREACH', 70, 'HIGH', true],
    ],
  );
  const c = combinedDoc();
  c.rules.destinations[0].aggravatingOnly = false; // RU counts like any other rule
  const ruCounts = evaluate(
    subject,
    openDeclaration({ eventTime: late, destinationCountry: 'RU' }),
    parseRuleset(c),
  );
  assert.deepEqual(ids(ruCounts), [RULE_IDS.destinationBan]);
  assert.equal(ruCounts.score, 30);
});

test('combined: a bad check digit aggravates any fired rule, not only zero-mileage ones', () => {
  // a trader's registration 400 days back (registrant velocity, RING_OR_TRADER) and nothing else
  const subject = evaluationSubject({}, { vinCheckDigitValid: false, registrantVelocity: 25 });
  const d = openDeclaration();
  assert.deepEqual(ids(evaluate(subject, d, combined)), [
    RULE_IDS.registrantVelocity,
    RULE_IDS.vinCheckDigitMismatch,
  ]);
  assert.deepEqual(ids(evaluate(subject, d, typologies)), [RULE_IDS.registrantVelocity]);
});
