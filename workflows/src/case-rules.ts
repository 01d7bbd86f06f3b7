/**
 * Pure routing and SLA rules, applied by the case state machine (case-machine.ts) — in the workflow,
 * and in the escalator's call that pre-sets a new case's search attributes (`openingSearchAttributes`).
 * Deterministic: safe in workflow code.
 */
import { SEVERITIES, type CaseConfig, type Severity } from './shared.js';

export interface RouteInput {
  severity: Severity;
  destinationCountry: string | null;
  /** Escalated cases stay with the supervisors whatever new evidence says. */
  escalated: boolean;
}

/**
 * v2 routing: severity and destination. `byDestination = false` is the v1 rule (severity only), kept
 * for replaying runs that started before the `routing-by-destination` patch.
 */
export function routeQueue(config: CaseConfig, input: RouteInput, byDestination = true): string {
  const r = config.routing;
  if (input.escalated) return r.supervisorQueue;
  if (r.prioritySeverities.includes(input.severity)) return r.priorityQueue;
  const dest = input.destinationCountry?.toUpperCase();
  if (byDestination && dest && r.priorityDestinations.map((d) => d.toUpperCase()).includes(dest))
    return r.priorityQueue;
  return r.standardQueue;
}

export function slaFor(config: CaseConfig, severity: Severity): number {
  return config.slaMs[severity];
}

export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b;
}

/** Problems with a config, empty when it is usable; the worker and escalator refuse to start otherwise. */
export function validateCaseConfig(config: CaseConfig): string[] {
  const problems: string[] = [];
  const r = config.routing;
  for (const [k, v] of Object.entries({
    priorityQueue: r.priorityQueue,
    standardQueue: r.standardQueue,
    supervisorQueue: r.supervisorQueue,
  })) {
    if (!v || !/^[\w.-]+$/.test(v)) problems.push(`routing.${k} must be a non-empty word, got "${v}"`);
  }
  for (const s of r.prioritySeverities)
    if (!SEVERITIES.includes(s)) problems.push(`routing.prioritySeverities: unknown severity ${s}`);
  for (const s of SEVERITIES) {
    const ms = config.slaMs[s];
    if (!Number.isFinite(ms) || ms <= 0)
      problems.push(`slaMs.${s} must be a positive number of milliseconds`);
  }
  if (!Number.isInteger(config.maxHistoryEvents) || config.maxHistoryEvents < 100)
    problems.push('maxHistoryEvents must be an integer >= 100');
  return problems;
}
