/**
 * Case views shared by the console and the CLI: a case's timeline, the rules that fired, a page of
 * cases sorted for an analyst, and the cases related to one by registrant or exporter.
 */
import type { CaseClient, CaseSummary, QueueFilters } from './client.js';
import { CASE_STATUSES, isSafeFilterValue, type CaseState } from './shared.js';

/** One dated event of a VIN's history, as the case page shows it. */
export interface TimelineEntry {
  at: string;
  kind: 'registration' | 'customs' | 'detection' | 'case';
  title: string;
  detail: string;
}

const ISO_PREFIX = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\s*(.*)$/;

/**
 * The VIN's registration and customs events, rebuilt from the evidence the case holds: each alert
 * carries its registration/declaration times and the facts the detector used (transfers, temporary
 * export plates, deregistration), so no extra lookup is needed to tell the story in order.
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
  for (const { alert } of state.evidence) {
    const f = alert.facts;
    if (alert.registrationTime !== null) {
      add({
        at: new Date(alert.registrationTime).toISOString(),
        kind: 'registration',
        title: 'First registration',
        detail: [
          alert.jurisdiction,
          alert.registrantType && alert.registrantId ? `${alert.registrantType} ${alert.registrantId}` : null,
          f.registrationCondition ? `condition ${f.registrationCondition}` : null,
        ]
          .filter(Boolean)
          .join(' · '),
      });
    }
    const dated = (fact: string | undefined, title: string) => {
      const m = fact ? ISO_PREFIX.exec(fact) : null;
      if (m)
        add({ at: m[1]!, kind: 'registration', title, detail: m[2]!.replace(/^\((.*)\)$/, 'reason $1') });
    };
    dated(f.lastTransfer, 'Ownership transfer');
    dated(f.pendingExportTransfer, 'Transfer flagged pending export');
    dated(f.tempExportPlate, 'Temporary export plate issued');
    dated(f.deregistration, 'Deregistration');
    add({
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
    add({
      at: new Date(alert.detectedAt).toISOString(),
      kind: 'detection',
      title: `Alert ${alert.severity} (score ${alert.score})`,
      detail: `${alert.rules.length} rule${alert.rules.length === 1 ? '' : 's'} fired · ruleset ${alert.rulesetVersion}`,
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

export interface FiredRule {
  ruleId: string;
  weight: number;
  evidence: string;
  facts: Record<string, string>;
  alertId: string;
  declarationId: string;
}

/** Every rule that fired, per alert, newest alert first. */
export function firedRules(state: CaseState): FiredRule[] {
  return [...state.evidence].reverse().flatMap(({ alert }) =>
    alert.rules.map((r) => ({
      ruleId: r.ruleId,
      weight: r.weight,
      evidence: r.evidence,
      facts: r.facts,
      alertId: alert.alertId,
      declarationId: alert.declarationId,
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
  byRegistrant: CaseSummary[];
  byExporter: CaseSummary[];
}

/**
 * Same-registrant and same-exporter cases: visibility queries on ZmRegistrant / ZmExporter over the
 * given queues, each case once and never the case itself.
 */
export async function findRelatedCases(
  state: CaseState,
  cases: Pick<CaseClient, 'listQueue'>,
  queues: readonly string[],
): Promise<RelatedCases> {
  // The case client lists one queue at a time; the queues are few. A failed queue lists nothing.
  const find = async (filters: QueueFilters): Promise<CaseSummary[]> => {
    const pages = await Promise.all(
      queues.map((q) =>
        cases
          .listQueue(q, { ...filters, status: [...CASE_STATUSES] }, { pageSize: 20 })
          .catch(() => ({ cases: [], nextPageToken: null })),
      ),
    );
    return pages.flatMap((p) => p.cases);
  };
  const others = (found: CaseSummary[]) => {
    const seen = new Set([state.vin]);
    return found.filter((c) => !seen.has(c.vin) && seen.add(c.vin));
  };
  const registrant = state.registrantId;
  // ZmExporter holds each case's latest exporter; this case may have had several (newest first, a few).
  const exporters = [...new Set(state.evidence.map((e) => e.alert.exporterId).reverse())]
    .filter(isSafeFilterValue) // ids the case client refuses as filter values have no related cases
    .slice(0, 5);
  const [byRegistrant, byExporter] = await Promise.all([
    registrant && isSafeFilterValue(registrant) ? find({ registrant }).then(others) : [],
    Promise.all(exporters.map((exporter) => find({ exporter }))).then((lists) =>
      others(lists.flat()).slice(0, 20),
    ),
  ]);
  return { byRegistrant, byExporter };
}
