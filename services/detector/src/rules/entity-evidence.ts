import { ENTITY_MEMBER_VINS_CAP, type EntityEvidence, type EntityKindName } from '@zmwatch/schemas';

/**
 * An entity's evidence for an alert: its members sorted and capped at ENTITY_MEMBER_VINS_CAP (the
 * lowest VINs), so a large ring does not grow every member's alert; memberVinsTruncated says when the
 * entity counted more than the list holds.
 */
export function entityEvidence(
  kind: EntityKindName,
  id: string,
  memberCount: number,
  windowDays: number,
  members: readonly string[] = [],
): EntityEvidence {
  const sorted = [...members].sort();
  const memberVins = sorted.slice(0, ENTITY_MEMBER_VINS_CAP);
  return {
    kind,
    id,
    memberCount,
    windowDays,
    memberVins,
    memberVinsTruncated: memberCount > memberVins.length,
  };
}
