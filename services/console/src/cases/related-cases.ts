import type { CaseState } from '@zmwatch/workflows';
import type { CaseBackend } from './case-backend.js';
import { findRelatedCases, summaryJson } from './case-views.js';

/** How long a case's related cases are reused before a page load lists them again. */
const TTL_MS = 60_000;
const MAX_ENTRIES = 1_000;
/** How long a case page waits for its related cases before answering without them (then fetched apart). */
export const RELATED_WAIT_MS = 200;

type RelatedJson = Record<'byFirstRegistrant' | 'byHolder' | 'byExporter', Record<string, unknown>[]>;

/**
 * Related cases (same first registrant, same holder, same exporter; one listing each, from the case
 * projection's relation sets, workflows README "Queues") cached
 * per case run and revision: a claim, note or decision does not change who a case relates to, so the
 * page's actions reuse what its load found; a new alert or revision (more evidence) or a minute
 * passing asks again. A lookup that fails is dropped from the cache, so the next load asks again.
 */
export function createRelatedCases(cases: () => CaseBackend, queues: readonly string[]) {
  const cache = new Map<string, { at: number; related: Promise<RelatedJson> }>();
  function related(state: CaseState): Promise<RelatedJson> {
    const key = `${state.caseId}|${state.openedAt}|${state.evidence.length}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.related;
    const found = findRelatedCases(state, cases(), queues).then((r) => ({
      byFirstRegistrant: r.byFirstRegistrant.map(summaryJson),
      byHolder: r.byHolder.map(summaryJson),
      byExporter: r.byExporter.map(summaryJson),
    }));
    found.catch(() => {
      if (cache.get(key)?.related === found) cache.delete(key);
    });
    cache.delete(key);
    cache.set(key, { at: now, related: found });
    if (cache.size > MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    return found;
  }
  /** The related cases if they come within `ms`, else null (the lookup goes on and fills the cache). */
  async function within(state: CaseState, ms: number): Promise<RelatedJson | null> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
    try {
      return await Promise.race([related(state).catch(() => null), late]);
    } finally {
      clearTimeout(timer);
    }
  }
  return Object.assign(related, { within });
}
