/**
 * Ring cases: one case per entity many vehicles share (an exporter, a transferee, a first registrant,
 * a registration cohort), opened beside the vehicle cases once the entity's members reach a threshold.
 * A ring case is a `caseWorkflow` whose subject is the entity (`CaseState.ring`) rather than one VIN:
 * the same `CaseMachine` (claim, decide, SLA, audit), with its member VINs collected from its alerts'
 * entity evidence, and a decision that can decide or annotate the members' own cases
 * (`ringDecisionSignal`, sent by the ring's workflow to each member's).
 *
 * Everything here is pure and deterministic: it runs in the workflow sandbox, the escalator and the
 * console alike.
 */
import { defineSignal } from '@temporalio/workflow';
import type { CaseAlert, Decision } from './shared.js';

/** Workflow ids of ring cases start with this; a VIN never does (17 letters and digits). */
export const RING_CASE_PREFIX = 'ring-';

/** The entity a ring case is about: `EntityEvidence.kind` (EXPORTER, TRANSFEREE, REGISTRANT, COHORT) and id. */
export interface RingEntity {
  kind: string;
  id: string;
}

/** A ring case's subject: its entity and the members its alerts named so far. */
export interface RingSubject extends RingEntity {
  /** Member VINs, sorted, each once: every alert's own VIN and the VINs its evidence of this entity lists. */
  members: string[];
  /** The largest member count the detector reported for the entity (it may exceed `members`: evidence lists at most 50). */
  memberCount: number;
}

/**
 * The ring case id (its workflow id, and its case key in the client, the console and the CLI):
 * `ring-<kind in lower case>-<entity id>`, e.g. `ring-transferee-91310000TRF`.
 */
export const ringCaseIdFor = (entity: RingEntity): string =>
  `${RING_CASE_PREFIX}${entity.kind.toLowerCase()}-${entity.id}`;

export const isRingCaseId = (key: string): boolean => key.startsWith(RING_CASE_PREFIX);

/** The entity of a ring case id (kind in upper case, as the evidence has it); null for anything else. */
export function parseRingCaseId(key: string): RingEntity | null {
  if (!isRingCaseId(key)) return null;
  const rest = key.slice(RING_CASE_PREFIX.length);
  const dash = rest.indexOf('-');
  if (dash <= 0 || dash === rest.length - 1) return null;
  return { kind: rest.slice(0, dash).toUpperCase(), id: rest.slice(dash + 1) };
}

/**
 * What deciding a ring case does to its members' cases: `annotate` (default) records the ring's
 * decision on each (audit entry and a note; nothing else changes), `decide` also decides each member
 * case that is still open with the ring's decision (its outcome and hold follow as for any decision;
 * one already decided is only annotated), `none` leaves them alone.
 */
export const RING_MEMBERS_ACTIONS = ['annotate', 'decide', 'none'] as const;
export type RingMembersAction = (typeof RING_MEMBERS_ACTIONS)[number];
export const DEFAULT_RING_MEMBERS_ACTION: RingMembersAction = 'annotate';
export const isRingMembersAction = (v: unknown): v is RingMembersAction =>
  (RING_MEMBERS_ACTIONS as readonly unknown[]).includes(v);

/** The signal a ring case sends each member case when it is decided (not `none`). */
export interface RingDecisionInput {
  ringCaseId: string;
  kind: string;
  entityId: string;
  /** `annotate` or `decide` (see `RingMembersAction`). */
  action: Exclude<RingMembersAction, 'none'>;
  decision: Decision;
  reason: string;
  /** Who decided the ring case. */
  by: string;
  /** When the ring case was decided (its workflow time, ISO). */
  decidedAt: string;
}
export const ringDecisionSignal = defineSignal<[RingDecisionInput]>('ringDecision');

/**
 * Member count at which an entity opens a ring case, per entity kind. One home: the escalator reads
 * `ZM_RING_MIN_MEMBERS` into it (services/escalator README); a kind that is absent opens none.
 */
export type RingThresholds = Readonly<Record<string, number>>;

/**
 * The default: 10 members for every kind. The ruleset's entity thresholds (registrant 3, cohort 4,
 * transferee 5, exporter 10) say when sharing an entity adds weight to one vehicle's score, a bar set
 * low for recall; a ring case is a unit of analyst work on a group, worth opening when the group is
 * larger than what the vehicle cases and the network view already show at a glance. The escalator does
 * not load the detector's ruleset either (a versioned file of another service).
 */
export const DEFAULT_RING_MIN_MEMBERS = 10;

/** The entities of an alert's evidence that reach their kind's threshold, each once. */
export function ringsReached(alert: CaseAlert, thresholds: RingThresholds): RingEntity[] {
  const out = new Map<string, RingEntity>();
  for (const rule of alert.rules) {
    const e = rule.entity;
    if (!e) continue;
    const min = thresholds[e.kind];
    if (min === undefined || e.memberCount < min) continue;
    const entity = { kind: e.kind, id: e.id };
    out.set(ringCaseIdFor(entity), entity);
  }
  return [...out.values()];
}

/**
 * The members an alert names for `ring`: its own VIN, and the member VINs of its evidence of that
 * entity; with the largest member count it reports.
 */
export function membersNamed(alert: CaseAlert, ring: RingEntity): { vins: string[]; memberCount: number } {
  const vins = new Set<string>([alert.vin]);
  let memberCount = 1;
  for (const rule of alert.rules) {
    const e = rule.entity;
    if (!e || e.kind !== ring.kind || e.id !== ring.id) continue;
    for (const v of e.memberVins) vins.add(v);
    memberCount = Math.max(memberCount, e.memberCount);
  }
  return { vins: [...vins], memberCount };
}
