import { createHash } from 'node:crypto';
import { normalizeVin } from './vin.js';

/**
 * Deterministic alert id: `zma-` + the first 32 hex characters (128 bits) of
 * sha256(normalizedVin + "\0" + declarationId + "\0" + rulesetVersion). Re-evaluating the same VIN and
 * declaration under the same ruleset yields the same id, so re-delivered inputs produce duplicate
 * alerts that downstream (escalation, case workflows) can drop; a new ruleset version yields a new id.
 */
export function alertIdFor(vin: string, declarationId: string, rulesetVersion: string): string {
  const digest = createHash('sha256')
    .update(`${normalizeVin(vin)}\u0000${declarationId}\u0000${rulesetVersion}`, 'utf8')
    .digest('hex');
  return `zma-${digest.slice(0, 32)}`;
}
