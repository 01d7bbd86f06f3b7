import type { RingSubject } from '@zmwatch/workflows';
import type { CaseBackend } from './case-backend.js';
import { casesByKey } from './cases-by-key.js';
import { summaryJson } from './case-views.js';

/**
 * What a ring case page shows of its subject: the entity (with the path of its entity page) and every
 * member vehicle with its case, looked up in one listing per 100 members.
 */
export async function ringView(backend: CaseBackend, queues: readonly string[], ring: RingSubject) {
  const cases = await casesByKey(backend, queues, ring.members);
  return {
    kind: ring.kind,
    id: ring.id,
    entityPath: `#/entities/${ring.kind.toLowerCase()}/${encodeURIComponent(ring.id)}`,
    memberCount: ring.memberCount,
    members: ring.members.map((vin) => {
      const c = cases.get(vin);
      return { vin, case: c ? summaryJson(c) : null };
    }),
  };
}
