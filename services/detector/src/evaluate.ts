/**
 * Judging one declaration: the rule table (rules/table.ts) fires on what is known about the VIN, each
 * hit is rendered once from its typed evidence (rules/render.ts), and each typology is judged on its
 * own threshold (rules/typology-verdicts.ts). Pure: same inputs, same output, so a replay or a second
 * worker reaches the same verdict (and the same alert id) as the first.
 */
import type { RuleHit, Severity, TypologyVerdict } from '@zmwatch/schemas';
import type { EntityCounts } from './entity-windows.js';
import type { Ruleset } from './ruleset.js';
import { renderHit } from './rules/render.js';
import { ruleSubject, type EvaluationSubject, type RuleSubject } from './rules/subject.js';
import type { Fired } from './rules/evidence.js';
import { fireRules } from './rules/table.js';
import { leadingVerdict, typologyVerdicts } from './rules/typology-verdicts.js';
import type { OpenDeclaration } from './vin-state.js';

export { RULE_IDS, type RuleId } from './rules/evidence.js';
export { RULES, typologyOf } from './rules/table.js';
export { severityFor } from './rules/typology-verdicts.js';
export type { EvaluationSubject } from './rules/subject.js';

export interface Evaluation {
  /** Score of the leading typology (leadingVerdict): the highest-severity one reached, else the highest. */
  score: number;
  /** Severity of the leading typology; null when no typology is reached. */
  severity: Severity | null;
  /** True when at least one typology reaches its threshold. */
  alert: boolean;
  rules: RuleHit[];
  /** One verdict per typology any fired rule supports (alert contract v3), in TYPOLOGIES order. */
  typologies: TypologyVerdict[];
  /** What the evaluation looked at, as display strings (the Alert schema's facts map). */
  facts: Record<string, string>;
  /**
   * Data-quality findings: values the contract allows but no real vehicle holds (a negative or absurd
   * odometer). They never add weight; they ride on the alert as the `dataQuality` fact.
   */
  findings: DataQualityFinding[];
}

export interface DataQualityFinding {
  field: string;
  value: string;
  problem: string;
}

/**
 * What the rules decided, before anything is rendered: enough to decide whether an alert or a
 * revision is published (verdicts.ts). Most due declarations never alert; only those that do pay
 * for sentences and facts (`renderEvaluation`).
 */
export interface Judgement {
  score: number;
  severity: Severity | null;
  alert: boolean;
  /** The fired rules with their typed evidence, in table order. */
  rules: readonly Fired[];
  typologies: TypologyVerdict[];
  /** What the rules read (for rendering). */
  subject: RuleSubject;
}

/** `entityCounts`, when given, are the declaration's (they stand for `subject.entityCounts`). */
export function judge(
  subject: EvaluationSubject,
  decl: OpenDeclaration,
  ruleset: Ruleset,
  entityCounts?: EntityCounts,
): Judgement {
  const s = ruleSubject(subject, decl, ruleset, entityCounts ?? subject.entityCounts);
  const fired = fireRules(s);
  const typologies = typologyVerdicts(fired, ruleset);
  const lead = leadingVerdict(typologies);
  return {
    score: lead?.score ?? 0,
    severity: lead?.severity ?? null,
    alert: typologies.some((t) => t.reached),
    rules: fired,
    typologies,
    subject: s,
  };
}

/** The judgement as an alert shows it: each hit rendered from its evidence, the facts, the findings. */
export function renderEvaluation(j: Judgement): Evaluation {
  const findings = dataQualityFindings(j.subject.decl, j.subject.ruleset);
  return {
    score: j.score,
    severity: j.severity,
    alert: j.alert,
    rules: j.rules.map(renderHit),
    typologies: j.typologies,
    facts: subjectFacts(j.subject, findings),
    findings,
  };
}

export function evaluate(subject: EvaluationSubject, decl: OpenDeclaration, ruleset: Ruleset): Evaluation {
  return renderEvaluation(judge(subject, decl, ruleset));
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * The alert's facts: one display string per fact, never a composite a reader would have to split
 * (a transfer's time, party type and party are three facts). Typed readers use the alert's typed
 * fields (parties, timeline) and each rule's numericFacts.
 */
function subjectFacts(s: RuleSubject, findings: readonly DataQualityFinding[]): Record<string, string> {
  const { decl, reg, state } = s;
  const facts: Record<string, string> = {
    vin: s.vin,
    declarationId: decl.declarationId,
    declarationTime: iso(decl.eventTime),
    declaredCondition: decl.declaredCondition,
    declaredOdometerKm: decl.declaredOdometerKm === null ? 'unknown' : String(decl.declaredOdometerKm),
    destinationCountry: decl.destinationCountry,
    exporterId: decl.exporterId,
    exporterType: decl.exporterType,
    afterSalesConfirmationRef: decl.hasAfterSalesRef ? 'present' : 'absent',
    vinCheckDigitValid: String(s.vinCheckDigitValid),
    firstRegistration: reg ? iso(reg.time) : 'unknown',
  };
  if (reg && s.days !== null) {
    facts.daysSinceFirstRegistration = (Math.round(s.days * 10) / 10).toString();
    facts.registrantId = reg.partyId;
    facts.registrantType = reg.partyType;
    facts.registrationCondition = reg.condition;
    facts.jurisdiction = reg.jurisdiction;
  }
  if (s.registrantVelocity !== null) facts.registrantVelocity = String(s.registrantVelocity);
  if (state.lastTransfer) {
    facts.lastTransferTime = iso(state.lastTransfer.time);
    facts.lastTransferPartyType = state.lastTransfer.partyType;
    facts.lastTransferPartyId = state.lastTransfer.partyId;
  }
  if (state.pendingExportTransferAt !== undefined)
    facts.pendingExportTransfer = iso(state.pendingExportTransferAt);
  if (state.tempExportPlateAt !== undefined) facts.tempExportPlate = iso(state.tempExportPlateAt);
  if (state.deregistration) {
    facts.deregistrationTime = iso(state.deregistration.time);
    facts.deregistrationReason = state.deregistration.reason;
  }
  // Display only: the findings are typed on the evaluation.
  if (findings.length > 0)
    facts.dataQuality = findings.map((f) => `${f.field} ${f.value}: ${f.problem}`).join('; ');
  return facts;
}

export function dataQualityFindings(decl: OpenDeclaration, ruleset: Ruleset): DataQualityFinding[] {
  const odo = decl.declaredOdometerKm;
  const max = ruleset.dataQuality.maxPlausibleOdometerKm;
  if (odo === null) return [];
  if (odo < 0) return [{ field: 'declaredOdometerKm', value: String(odo), problem: 'negative reading' }];
  if (odo > max)
    return [{ field: 'declaredOdometerKm', value: String(odo), problem: `above the plausible ${max} km` }];
  return [];
}
