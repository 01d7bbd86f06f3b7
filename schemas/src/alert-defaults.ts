import type { Alert } from './generated/types.js';

/**
 * The fields contract v2 added to an alert, at their schema defaults: what a v1 alert reads as, and
 * the start of a first revision whose parties and timeline are not known.
 */
export type AlertV2Fields = Pick<
  Alert,
  | 'revision'
  | 'status'
  | 'revisionReason'
  | 'revisedAt'
  | 'firstRegistrant'
  | 'holderAtDeclaration'
  | 'exporter'
  | 'timeline'
>;

export function alertV2Defaults(): AlertV2Fields {
  return {
    revision: 0,
    status: 'ACTIVE',
    revisionReason: null,
    revisedAt: null,
    firstRegistrant: null,
    holderAtDeclaration: null,
    exporter: null,
    timeline: [],
  };
}
