import type { Alert, RuleHit } from './generated/types.js';

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

/** The fields contract v3 added to an alert (schemas/avro/alert/v3.avsc), and to each of its rule hits. */
export type AlertV3Fields = Pick<Alert, 'typologies'>;
export type RuleHitV3Fields = Pick<RuleHit, 'typology' | 'entity'>;

/** What a v1 or v2 alert reads as: no typologies. */
export function alertV3Defaults(): AlertV3Fields {
  return { typologies: [] };
}

/** What a v1 or v2 rule hit reads as: no typology, no entity evidence. */
export function ruleHitV3Defaults(): RuleHitV3Fields {
  return { typology: '', entity: null };
}
