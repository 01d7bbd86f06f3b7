/**
 * A case key as users type it (the console's URLs, the CLI's arguments): a VIN, or a ring case id
 * (ring-case.ts). Client-side only: it validates VINs with @zmwatch/schemas, which workflow code may not
 * load.
 */
import { ENTITY_KINDS, normalizeVin, validateVin } from '@zmwatch/schemas';
import { isRingCaseId, parseRingCaseId, ringCaseIdFor } from './ring-case.js';
import { isSafeFilterValue } from './shared.js';

/** Longest entity id a ring case id may carry (the console's entity pages allow the same). */
export const MAX_ENTITY_ID_LENGTH = 128;

/** The normalised key (a VIN in upper case; a ring id with its kind in lower case), or why it is not one. */
export function parseCaseKey(raw: string): { ok: true; key: string } | { ok: false; reason: string } {
  const text = raw.trim();
  if (isRingCaseId(text)) {
    const ring = parseRingCaseId(text);
    if (!ring || !(ENTITY_KINDS as readonly string[]).includes(ring.kind))
      return {
        ok: false,
        reason: `a ring case id is ring-<${ENTITY_KINDS.join('|').toLowerCase()}>-<entity id>`,
      };
    if (ring.id.length > MAX_ENTITY_ID_LENGTH || !isSafeFilterValue(ring.id))
      return { ok: false, reason: 'not an entity id' };
    return { ok: true, key: ringCaseIdFor(ring) };
  }
  const v = validateVin(normalizeVin(text));
  return v.ok ? { ok: true, key: v.vin } : { ok: false, reason: `not a VIN: ${v.reason}` };
}
