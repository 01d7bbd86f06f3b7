import { isRingCaseId } from '@zmwatch/workflows';
import type { Method } from '../http/router.js';
import type { AccessSubject } from './access-audit.js';

type Describe = (params: Record<string, string>, url: URL) => AccessSubject;

/**
 * The one list of what the access audit records: every view of a case or an entity page, every CSV
 * export, and every read of the audit itself. Keyed by method and route pattern, so the route modules
 * stay unaware of it; a route added later is audited by adding it here (a test checks each pattern
 * names a registered route).
 */
export const AUDITED_ROUTES: ReadonlyMap<string, Describe> = new Map<string, Describe>([
  [
    'GET /api/cases/:vin',
    // A ring case (its key is its id) is a case too: the same action, its own subject kind.
    (p) => ({
      action: 'VIEW_CASE',
      subjectKind: isRingCaseId(p.vin ?? '') ? 'ring-case' : 'case',
      subjectId: p.vin ?? '',
    }),
  ],
  [
    'GET /api/entities/:kind/:id',
    (p) => ({
      action: 'VIEW_ENTITY',
      subjectKind: 'entity',
      subjectId: `${(p.kind ?? '').toLowerCase()}/${p.id ?? ''}`,
    }),
  ],
  [
    'GET /api/insights/report.csv',
    (_p, url) => ({
      action: 'EXPORT_CSV',
      subjectKind: 'insights-report',
      subjectId: url.searchParams.get('section') ?? 'rows',
    }),
  ],
  ['GET /api/audit', () => ({ action: 'VIEW_AUDIT', subjectKind: 'audit', subjectId: 'access log' })],
  ['GET /api/audit.csv', () => ({ action: 'EXPORT_CSV', subjectKind: 'audit', subjectId: 'access log' })],
]);

export function auditedRoute(method: Method, pattern: string): Describe | undefined {
  return AUDITED_ROUTES.get(`${method} ${pattern}`);
}
