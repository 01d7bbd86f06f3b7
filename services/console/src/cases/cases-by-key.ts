import { CASE_STATUSES, type CaseSummary } from '@zmwatch/workflows';
import type { CaseBackend } from './case-backend.js';

/**
 * The cases of these keys (VINs or ring case ids), any status, in one listing per 100 keys: the
 * network view, entity pages and ring case pages colour and link each vehicle by its case.
 */
export async function casesByKey(
  backend: CaseBackend,
  queues: readonly string[],
  keys: readonly string[],
): Promise<Map<string, CaseSummary>> {
  const out = new Map<string, CaseSummary>();
  for (let i = 0; i < keys.length; i += 100) {
    const page = await backend.listCases(
      queues,
      { vins: keys.slice(i, i + 100), status: [...CASE_STATUSES] },
      { pageSize: 100 },
    );
    for (const c of page.cases) out.set(c.vin, c);
  }
  return out;
}
