/**
 * The network around a case: the vehicle, the entities it shares with other vehicles (first
 * registrant, the party it was transferred to, exporter, registration cohort) and those other
 * vehicles — two hops at most. Built only from what the alerts carry: the parties of the case's
 * latest alert and the structured entity evidence of every rule that fired (kind, id, member count,
 * member VINs up to the detector's cap). Nothing is parsed back from a sentence.
 */
import { DAY_MS, ENTITY_KINDS, type EntityEvidence, type EntityKindName } from '@zmwatch/schemas';
import type { CaseState } from '@zmwatch/workflows';

export type EntityKind = EntityKindName;

/** The order the view lists a vehicle's entities in: who registered it, who took it, who exported it, its cohort. */
const DISPLAY_ORDER: readonly EntityKind[] = ['REGISTRANT', 'TRANSFEREE', 'EXPORTER', 'COHORT'];

/** Vehicles drawn at most (the centre included): the view stays readable, the table lists the rest. */
export const MAX_NETWORK_VEHICLES = 60;

export interface NetworkEntity {
  kind: EntityKind;
  id: string;
  /** Members the detector counted (its window); null when no entity rule fired for it. */
  memberCount: number | null;
  windowDays: number | null;
  /** Member VINs known from the evidence (the centre always among them), sorted. */
  members: string[];
  /** The detector listed fewer members than it counted (its cap). */
  truncated: boolean;
  /** Rule ids whose evidence named this entity. */
  rules: string[];
}

export const entityKey = (kind: string, id: string): string => `${kind}/${id}`;

export const isEntityKind = (v: string): v is EntityKind => (ENTITY_KINDS as readonly string[]).includes(v);

/** The entities of a case: evidence first, then the parties no rule counted (as one-member entities). */
export function entitiesOfCase(state: CaseState): NetworkEntity[] {
  const byKey = new Map<string, NetworkEntity>();
  const add = (kind: EntityKind, id: string, ev?: EntityEvidence, rule?: string) => {
    const key = entityKey(kind, id);
    const e =
      byKey.get(key) ??
      ({
        kind,
        id,
        memberCount: null,
        windowDays: null,
        members: [state.vin],
        truncated: false,
        rules: [],
      } as NetworkEntity);
    byKey.set(key, e);
    if (ev) {
      if (e.memberCount === null || ev.memberCount >= e.memberCount) {
        e.memberCount = ev.memberCount;
        e.windowDays = ev.windowDays;
        e.truncated = ev.memberVinsTruncated;
      }
      e.members = [...new Set([...e.members, ...ev.memberVins])].sort();
    }
    if (rule && !e.rules.includes(rule)) e.rules.push(rule);
  };
  for (const { alert } of state.evidence) {
    for (const r of alert.rules) {
      const ev = r.entity;
      if (ev && isEntityKind(ev.kind)) add(ev.kind, ev.id, ev, r.ruleId);
    }
  }
  const latest = state.evidence[state.evidence.length - 1]?.alert;
  if (latest) {
    const first = latest.firstRegistrant ?? null;
    if (first) add('REGISTRANT', first.id);
    const holder = latest.holderAtDeclaration ?? null;
    if (holder && first && holder.id !== first.id) add('TRANSFEREE', holder.id);
    add('EXPORTER', latest.exporter?.id ?? latest.exporterId);
    if (latest.jurisdiction && latest.registrationTime !== null && latest.registrationTime !== undefined) {
      const day = new Date(Math.floor(latest.registrationTime / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
      add('COHORT', `${latest.jurisdiction}:${day}`);
    }
  }
  const order = (e: NetworkEntity) => DISPLAY_ORDER.indexOf(e.kind);
  return [...byKey.values()].sort((a, b) => order(a) - order(b) || (a.id < b.id ? -1 : 1));
}

/**
 * The vehicles to draw, at most `cap`: the centre, then the entities' members taken in turns (one of
 * each entity's, in sorted order, round after round), so every entity shows some of its members when
 * the cap bites. `capped` says members were left out of the picture (the table lists them all).
 */
export function networkVehicles(
  center: string,
  entities: readonly NetworkEntity[],
  cap = MAX_NETWORK_VEHICLES,
): { vins: string[]; capped: boolean } {
  const chosen = new Set([center]);
  const queues = entities.map((e) => e.members.filter((v) => v !== center));
  let capped = false;
  for (let round = 0; queues.some((q) => round < q.length); round++) {
    for (const q of queues) {
      const vin = q[round];
      if (vin === undefined || chosen.has(vin)) continue;
      if (chosen.size >= cap) {
        capped = true;
        continue;
      }
      chosen.add(vin);
    }
  }
  return { vins: [...chosen], capped };
}
