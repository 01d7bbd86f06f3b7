import type { CaseClient, CaseState } from '../../src/index.js';
import { eventually } from '@zmwatch/test-support/cases';

/**
 * `caseWhere(key, ok, what, ms?)`: waits until the case's query satisfies `ok` (the worker applies
 * signals asynchronously) and returns that state; fails with `what (key)` after `ms`.
 */
export function caseWhereOn(cases: Pick<CaseClient, 'getCase'>, defaultMs = 20_000) {
  return (key: string, ok: (c: CaseState) => boolean, what: string, ms = defaultMs): Promise<CaseState> =>
    eventually(
      async () => {
        const c = await cases.getCase(key);
        return c && ok(c) ? c : undefined;
      },
      ms,
      `${what} (${key})`,
    );
}
