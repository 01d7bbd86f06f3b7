import { z } from 'zod';
import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '@zmwatch/schemas';
import { validateCaseConfig } from './case-rules.js';
import { CASES_TASK_QUEUE, DEFAULT_CASE_CONFIG, SEVERITIES, type CaseConfig } from './shared.js';

const UNITS: Record<string, number> = { ms: 1, s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };

/** ZM_CASES_TASK_QUEUE, the case worker's task queue, spelled once for the worker and its clients. */
export const casesTaskQueueEnv = {
  ZM_CASES_TASK_QUEUE: z.string().min(1).default(CASES_TASK_QUEUE),
};

/** `250ms`, `30s`, `15m`, `2h`, `7d` → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration like 30s, 15m, 2h or 7d`);
  return Math.round(Number(m[1]) * UNITS[m[2]!]!);
}

const duration = (def: number) =>
  z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined || s === '') return def;
      try {
        return parseDuration(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

const csv = (def: string[]) =>
  z
    .string()
    .optional()
    .transform((s) =>
      s === undefined
        ? def
        : s
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean),
    );

const d = DEFAULT_CASE_CONFIG;

/**
 * Environment variables of the case rules (used by the escalator, which passes the config to each new
 * case as workflow input). Spread into a service's zod env schema; `caseConfigFromEnv` maps the result.
 */
export const caseConfigEnv = {
  ZM_SLA_CRITICAL: duration(d.slaMs.CRITICAL),
  ZM_SLA_HIGH: duration(d.slaMs.HIGH),
  ZM_SLA_MEDIUM: duration(d.slaMs.MEDIUM),
  ZM_SLA_LOW: duration(d.slaMs.LOW),
  ZM_PRIORITY_SEVERITIES: csv(d.routing.prioritySeverities).pipe(z.array(z.enum(SEVERITIES))),
  ZM_PRIORITY_DESTINATIONS: csv(d.routing.priorityDestinations).transform((a) =>
    a.map((x) => x.toUpperCase()),
  ),
  ZM_SUPERVISORS: csv(d.supervisors),
  ZM_CASE_RETENTION: duration(d.closedRetentionMs),
  ZM_CASE_MAX_HISTORY: z.coerce.number().int().min(100).default(d.maxHistoryEvents),
};

type CaseConfigEnv = { [K in keyof typeof caseConfigEnv]: z.infer<(typeof caseConfigEnv)[K]> };

export function caseConfigFromEnv(env: CaseConfigEnv): CaseConfig {
  const config: CaseConfig = {
    routing: {
      ...d.routing,
      prioritySeverities: env.ZM_PRIORITY_SEVERITIES,
      priorityDestinations: env.ZM_PRIORITY_DESTINATIONS,
    },
    slaMs: {
      CRITICAL: env.ZM_SLA_CRITICAL,
      HIGH: env.ZM_SLA_HIGH,
      MEDIUM: env.ZM_SLA_MEDIUM,
      LOW: env.ZM_SLA_LOW,
    },
    supervisors: env.ZM_SUPERVISORS,
    closedRetentionMs: env.ZM_CASE_RETENTION,
    maxHistoryEvents: env.ZM_CASE_MAX_HISTORY,
  };
  const problems = validateCaseConfig(config);
  if (problems.length > 0) throw new Error(`invalid case configuration: ${problems.join('; ')}`);
  return config;
}
