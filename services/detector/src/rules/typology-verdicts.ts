import { SEVERITY_SYMBOLS, TYPOLOGIES, type Severity, type TypologyVerdict } from '@zmwatch/schemas';
import type { CombinedScoring, Ruleset, TypologyScoring } from '../ruleset.js';
import type { Fired } from './evidence.js';
import { typologyOf } from './table.js';

/** The highest band of `bands` the score reaches; null below the lowest. */
export function severityFor(score: number, bands: TypologyScoring['severityBands']): Severity | null {
  let band: Severity | null = null;
  for (const s of SEVERITY_SYMBOLS) if (score >= bands[s]) band = s;
  return band;
}

/**
 * One verdict per typology any fired rule supports, in TYPOLOGIES order: the sum of its rules'
 * weights on the typology's own threshold and bands. Severity is null below the threshold.
 */
export function typologyVerdicts(fired: readonly Fired[], ruleset: Ruleset): TypologyVerdict[] {
  if (ruleset.combined) return combinedVerdicts(fired, ruleset.combined);
  const out: TypologyVerdict[] = [];
  for (const typology of TYPOLOGIES) {
    const mine = fired.filter((f) => typologyOf(f.ruleId) === typology);
    if (mine.length === 0) continue;
    const scoring = ruleset.typologies[typology];
    const score = mine.reduce((s, f) => s + f.weight, 0);
    const reached = score >= scoring.threshold;
    out.push({
      typology,
      score,
      severity: reached ? severityFor(score, scoring.severityBands) : null,
      reached,
    });
  }
  return out;
}

const rank = (v: TypologyVerdict): number => (v.severity ? SEVERITY_SYMBOLS.indexOf(v.severity) : -1);

/**
 * The verdict an alert's top-level score and severity come from, so v1/v2 readers still sort by it:
 * the reached typology of highest severity (then score; then TYPOLOGIES order). With none reached,
 * the highest score (severity null). Undefined when no rule fired.
 */
export function leadingVerdict(verdicts: readonly TypologyVerdict[]): TypologyVerdict | undefined {
  let lead: TypologyVerdict | undefined;
  for (const v of verdicts) {
    if (!lead) lead = v;
    else if (v.reached !== lead.reached) lead = v.reached ? v : lead;
    else if (rank(v) > rank(lead) || (rank(v) === rank(lead) && v.score > lead.score)) lead = v;
  }
  return lead;
}

/**
 * The combined scale of 2026.3.0: one score over every fired rule. Each typology a fired rule supports
 * is named with the combined verdict, so the alert's typologies still say what its rules support.
 */
function combinedVerdicts(fired: readonly Fired[], combined: CombinedScoring): TypologyVerdict[] {
  const score = fired.reduce((s, f) => s + f.weight, 0);
  const reached = score >= combined.minAlertScore;
  const severity = reached ? severityFor(score, combined.severityBands) : null;
  return TYPOLOGIES.filter((t) => fired.some((f) => typologyOf(f.ruleId) === t)).map((typology) => ({
    typology,
    score,
    severity,
    reached,
  }));
}
