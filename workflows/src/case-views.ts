/**
 * Case views shared by the console and the CLI: a case's timeline, its parties, its revision history,
 * the rules that fired, a page of cases sorted for an analyst, and the cases related to one (same first
 * registrant, same holder, same exporter). Alerts of contract v2 carry typed parties and a typed
 * timeline; v1 alerts only strings, so every view keeps a v1 reading with labels that say no more than
 * v1 knows.
 */
import type { CaseClient, CaseSummary, QueueFilters } from './client.js';
import { alertRevision, alertStatus, latestRevisions } from './case-revisions.js';
import {
  CASE_STATUSES,
  isSafeFilterValue,
  type AlertTimelineEvent,
  type CaseAlert,
  type CaseState,
} from './shared.js';

/** One dated event of a VIN's history, as the case page shows it. */
export interface TimelineEntry {
  at: string;
  kind: 'registration' | 'customs' | 'detection' | 'case';
  title: string;
  detail: string;
}

const ISO_PREFIX = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\s*(.*)$/;

/** Titles of the typed timeline's event kinds (the feeds' event types); others are shown as they come. */
const EVENT_TITLES: Record<string, [TimelineEntry['kind'], string]> = {
  FIRST_REGISTRATION: ['registration', 'First registration'],
  TRANSFER: ['registration', 'Ownership transfer'],
  TEMPORARY_PLATE: ['registration', 'Temporary export plate issued'],
  DEREGISTRATION: ['registration', 'Deregistration'],
  DECLARATION: ['customs', 'Export declaration'],
  CANCELLATION: ['customs', 'Declaration cancelled'],
  REJECTION: ['customs', 'Declaration rejected'],
};
const CUSTOMS_KINDS = /DECLAR|CANCEL|REJECT|CUSTOMS/;

const humanise = (kind: string) => {
  const words = kind.toLowerCase().replace(/[_-]+/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
};
const flagText = (flag: string) => flag.toLowerCase().replace(/[_-]+/g, ' ');

function typedEntry(e: AlertTimelineEvent, alert: CaseAlert): TimelineEntry {
  const [kind, title] = EVENT_TITLES[e.kind] ?? [
    CUSTOMS_KINDS.test(e.kind) ? 'customs' : 'registration',
    humanise(e.kind),
  ];
  const customs = kind === 'customs';
  return {
    at: new Date(e.eventTime).toISOString(),
    kind,
    title: customs ? `${title} ${alert.declarationId}` : title,
    detail: [
      e.jurisdiction,
      e.partyId ? `${customs ? 'exporter ' : ''}${e.partyType ? `${e.partyType} ` : ''}${e.partyId}` : null,
      e.odometerKm !== null ? `${e.odometerKm} km` : null,
      ...e.flags.map((f) => (f.startsWith('DEST:') ? `to ${f.slice(5)}` : flagText(f))),
    ]
      .filter(Boolean)
      .join(' · '),
  };
}

/** The v1 reading: registration and declaration times, and the dated facts the detector formatted. */
function v1Entries(alert: CaseAlert): TimelineEntry[] {
  const f = alert.facts;
  const out: TimelineEntry[] = [];
  if (alert.registrationTime !== null) {
    out.push({
      at: new Date(alert.registrationTime).toISOString(),
      kind: 'registration',
      title: 'First registration',
      // The first registration's party is in the rule facts (registrantId there is the first
      // registrant); the alert's own registrantId is the holder at declaration, not this party.
      detail: [
        alert.jurisdiction,
        f.registrantId ? `${f.registrantType ? `${f.registrantType} ` : ''}${f.registrantId}` : null,
        f.registrationCondition ? `condition ${f.registrationCondition}` : null,
      ]
        .filter(Boolean)
        .join(' · '),
    });
  }
  const dated = (fact: string | undefined, title: string) => {
    const m = fact ? ISO_PREFIX.exec(fact) : null;
    if (m)
      out.push({
        at: m[1]!,
        kind: 'registration',
        title,
        detail: m[2]!.replace(/^\((.*)\)$/, 'reason $1'),
      });
  };
  dated(f.lastTransfer, 'Ownership transfer');
  dated(f.pendingExportTransfer, 'Transfer flagged pending export');
  dated(f.tempExportPlate, 'Temporary export plate issued');
  dated(f.deregistration, 'Deregistration');
  out.push({
    at: new Date(alert.declarationTime).toISOString(),
    kind: 'customs',
    title: `Export declaration ${alert.declarationId}`,
    detail: [
      f.declaredCondition ? `declared ${f.declaredCondition}` : null,
      f.declaredOdometerKm && f.declaredOdometerKm !== 'unknown' ? `${f.declaredOdometerKm} km` : null,
      `to ${alert.destinationCountry}`,
      `exporter ${alert.exporterId}${f.exporterType ? ` (${f.exporterType})` : ''}`,
    ]
      .filter(Boolean)
      .join(' · '),
  });
  return out;
}

/**
 * The VIN's registration and customs events, rebuilt from the evidence the case holds: the typed
 * timeline of each alert's latest revision (contract v2), or, for a v1 alert, its registration and
 * declaration times and the dated facts the detector used. Every revision is a detection entry.
 */
export function buildTimeline(state: CaseState): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const seen = new Set<string>();
  const add = (e: TimelineEntry) => {
    const key = `${e.kind}|${e.at}|${e.title}`;
    if (seen.has(key) || Number.isNaN(Date.parse(e.at))) return;
    seen.add(key);
    out.push(e);
  };
  for (const alert of latestRevisions(state.evidence)) {
    const typed = alert.timeline ?? [];
    for (const e of typed.length > 0 ? typed.map((t) => typedEntry(t, alert)) : v1Entries(alert)) add(e);
  }
  for (const { alert } of state.evidence) {
    const revision = alertRevision(alert);
    add({
      at: new Date(revisionTime(alert)).toISOString(),
      kind: 'detection',
      title: `${revision > 0 ? `Alert revision ${revision}` : 'Alert'} ${alertStatus(alert) === 'WITHDRAWN' ? 'WITHDRAWN' : alert.severity} (score ${alert.score})`,
      detail: [
        alert.revisionReason ?? null,
        `${alert.rules.length} rule${alert.rules.length === 1 ? '' : 's'} fired · ruleset ${alert.rulesetVersion}`,
      ]
        .filter(Boolean)
        .join(' · '),
    });
  }
  if (state.decision) {
    add({
      at: state.decision.at,
      kind: 'case',
      title: `Decided: ${state.decision.decision}`,
      detail: `by ${state.decision.by}: ${state.decision.reason}`,
    });
  }
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

/** When this revision was published: `revisedAt` (v2, revisions after the first), else `detectedAt`. */
const revisionTime = (a: CaseAlert): number => a.revisedAt ?? a.detectedAt;

/** One revision of one of the case's alerts, oldest first: the case's revision history. */
export interface RevisionEntry {
  alertId: string;
  declarationId: string;
  revision: number;
  status: 'ACTIVE' | 'WITHDRAWN';
  severity: string;
  score: number;
  reason: string | null;
  /** When the detector published this revision. */
  at: string;
  /** When the case applied it (workflow time). */
  appliedAt: string;
}

export function revisionHistory(state: CaseState): RevisionEntry[] {
  return state.evidence.map(({ alert, appliedAt }) => ({
    alertId: alert.alertId,
    declarationId: alert.declarationId,
    revision: alertRevision(alert),
    status: alertStatus(alert),
    severity: alert.severity,
    score: alert.score,
    reason: alert.revisionReason ?? null,
    at: new Date(revisionTime(alert)).toISOString(),
    appliedAt,
  }));
}

/** A party of the case as the page labels it; `role` says what is known about it. */
export interface CaseParty {
  role: 'first-registrant' | 'holder-at-declaration' | 'registrant-at-declaration' | 'exporter';
  label: string;
  id: string;
  type: string | null;
}

/**
 * The parties of the case's latest alert: the typed ones (contract v2: first registrant, holder at
 * declaration, exporter) where the alert has them, else what a v1 alert says — its registrantId is the
 * party registered at declaration time, and the first registration's party is known only when a rule
 * recorded it in its facts. (A v1 alert read with the v2 schema has the typed parties null.)
 */
export function caseParties(state: CaseState): CaseParty[] {
  const alert = state.evidence[state.evidence.length - 1]?.alert;
  if (!alert) return [];
  const out: CaseParty[] = [];
  if (alert.firstRegistrant)
    out.push({ role: 'first-registrant', label: 'First registrant', ...alert.firstRegistrant });
  else if (alert.facts.registrantId)
    out.push({
      role: 'first-registrant',
      label: 'First registrant (from rule facts)',
      id: alert.facts.registrantId,
      type: alert.facts.registrantType ?? null,
    });
  if (alert.holderAtDeclaration)
    out.push({ role: 'holder-at-declaration', label: 'Holder at declaration', ...alert.holderAtDeclaration });
  else if (alert.registrantId)
    out.push({
      role: 'registrant-at-declaration',
      label: 'Registrant at declaration',
      id: alert.registrantId,
      type: alert.registrantType,
    });
  out.push({
    role: 'exporter',
    label: 'Exporter',
    ...(alert.exporter ?? { id: alert.exporterId, type: alert.facts.exporterType ?? null }),
  });
  return out;
}

export interface FiredRule {
  ruleId: string;
  weight: number;
  evidence: string;
  facts: Record<string, string>;
  /** Typed numeric facts beside the display text (v2); empty for v1 alerts. */
  numericFacts: Record<string, number>;
  /** The typology the rule supports (v3); null for alerts before it. */
  typology: string | null;
  alertId: string;
  declarationId: string;
  revision: number;
}

/** Every rule that fired in each alert's latest revision, newest alert first. */
export function firedRules(state: CaseState): FiredRule[] {
  return latestRevisions(state.evidence)
    .reverse()
    .flatMap((alert) =>
      alert.rules.map((r) => ({
        ruleId: r.ruleId,
        weight: r.weight,
        evidence: r.evidence,
        facts: r.facts,
        numericFacts: (r as { numericFacts?: Record<string, number> }).numericFacts ?? {},
        typology: r.typology ?? null,
        alertId: alert.alertId,
        declarationId: alert.declarationId,
        revision: alertRevision(alert),
      })),
    );
}

export type CaseSort = 'sla' | 'age' | 'severity';

const SEVERITY_RANK: Record<string, number> = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

/** Sorts a page of cases: by SLA due (soonest first), by age (oldest first) or by severity. */
export function sortCases<T extends Pick<CaseSummary, 'slaDueAt' | 'openedAt' | 'severity'>>(
  cases: T[],
  sort: CaseSort,
): T[] {
  const due = (c: T) => c.slaDueAt?.getTime() ?? Number.POSITIVE_INFINITY;
  const copy = [...cases];
  if (sort === 'sla') copy.sort((a, b) => due(a) - due(b) || a.openedAt.getTime() - b.openedAt.getTime());
  else if (sort === 'age') copy.sort((a, b) => a.openedAt.getTime() - b.openedAt.getTime());
  else
    copy.sort(
      (a, b) =>
        (SEVERITY_RANK[b.severity ?? ''] ?? 0) - (SEVERITY_RANK[a.severity ?? ''] ?? 0) || due(a) - due(b),
    );
  return copy;
}

export interface RelatedCases {
  /** Cases with the same first registrant (v2 alerts; empty for a v1 case, which does not know it). */
  byFirstRegistrant: CaseSummary[];
  /** Cases with the same holder at declaration (ZmRegistrant). */
  byHolder: CaseSummary[];
  /** Cases whose latest exporter is one of this case's exporters. */
  byExporter: CaseSummary[];
}

/**
 * Related cases: one listing per relation over the given queues (ZmFirstRegistrant, ZmRegistrant,
 * ZmExporter; from the projection's relation sets when the client has a queue store, else visibility),
 * each case once and never the case itself. A failed listing lists nothing.
 */
export async function findRelatedCases(
  state: CaseState,
  cases: Pick<CaseClient, 'listCases'>,
  queues: readonly string[],
): Promise<RelatedCases> {
  const find = (filters: QueueFilters): Promise<CaseSummary[]> =>
    cases.listCases(queues, { ...filters, status: [...CASE_STATUSES] }, { pageSize: 21 }).then(
      (p) => p.cases.filter((c) => c.vin !== state.vin).slice(0, 20),
      () => [],
    );
  const first = state.firstRegistrantId ?? null;
  const holder = state.registrantId;
  // ZmExporter holds each case's latest exporter; this case may have had several (newest first, a few).
  const exporters = [...new Set(state.evidence.map((e) => e.alert.exporterId).reverse())]
    .filter(isSafeFilterValue) // ids the case client refuses as filter values have no related cases
    .slice(0, 5);
  const [byFirstRegistrant, byHolder, byExporter] = await Promise.all([
    isSafeFilterValue(first) ? find({ firstRegistrant: first }) : [],
    isSafeFilterValue(holder) ? find({ registrant: holder }) : [],
    exporters.length > 0 ? find({ exporter: exporters }) : [],
  ]);
  return { byFirstRegistrant, byHolder, byExporter };
}
