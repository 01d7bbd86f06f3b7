/**
 * The vocabulary of alert contract v3 (schemas/avro/alert/v3.avsc). The schema keeps these as strings
 * so a newer detector can add one without breaking older readers: readers show an unknown value as it
 * is, and only the detector writes them.
 */

/** What an alert can be about; each typology is judged on its own rules and threshold. */
export const TYPOLOGIES = ['ZERO_MILEAGE', 'RING_OR_TRADER', 'COMPLIANCE_BREACH'] as const;
export type Typology = (typeof TYPOLOGIES)[number];

/** The entities an entity rule counts vehicles over (EntityEvidence.kind). */
export const ENTITY_KINDS = ['EXPORTER', 'TRANSFEREE', 'REGISTRANT', 'COHORT'] as const;
export type EntityKindName = (typeof ENTITY_KINDS)[number];

/**
 * At most this many member VINs ride on one EntityEvidence (the lowest, sorted), so a large ring does
 * not make every member's alert grow with it; memberVinsTruncated says when there are more.
 */
export const ENTITY_MEMBER_VINS_CAP = 50;

export const isTypology = (s: string): s is Typology => (TYPOLOGIES as readonly string[]).includes(s);
