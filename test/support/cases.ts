/** Fixtures for case tests in any package: alerts, isolated case configs, polling, a quiet Temporal runtime, cleanup. */
import { randomBytes } from 'node:crypto';
import { alertIdFor, DAY_MS, HOUR_MS, MINUTE_MS, type Alert, type Severity } from '@zmwatch/schemas';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { CaseConfig } from '@zmwatch/workflows';

export function runId(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

export function makeAlert(vin: string, overrides: Partial<Alert> & { declarationId?: string } = {}): Alert {
  const declarationId = overrides.declarationId ?? `DEC-${randomBytes(4).toString('hex')}`;
  const rulesetVersion = overrides.rulesetVersion ?? '2026.03.1';
  const severity: Severity = overrides.severity ?? 'HIGH';
  const now = Date.now();
  return {
    alertId: alertIdFor(vin, declarationId, rulesetVersion),
    vin,
    declarationId,
    severity,
    score: 0.8,
    rules: [
      {
        ruleId: 'ZM-EXPORT-WITHIN-DAYS',
        weight: 0.8,
        evidence: 'exported 6 days after first registration',
        facts: { daysSinceFirstRegistration: '6' },
        numericFacts: { daysSinceFirstRegistration: 6 },
        typology: 'ZERO_MILEAGE',
        entity: null,
      },
    ],
    facts: { daysSinceFirstRegistration: '6', odometerKm: '12' },
    registrantId: 'REG-ACME-TRADING',
    registrantType: 'TRADING_COMPANY',
    exporterId: 'EXP-42',
    destinationCountry: 'KZ',
    jurisdiction: 'CN-SH',
    rulesetVersion,
    registrationTime: now - 6 * DAY_MS,
    declarationTime: now - MINUTE_MS,
    detectedAt: now,
    revision: 0,
    status: 'ACTIVE',
    revisionReason: null,
    revisedAt: null,
    firstRegistrant: { id: 'REG-ACME-TRADING', type: 'TRADING_COMPANY' },
    holderAtDeclaration: { id: 'REG-ACME-TRADING', type: 'TRADING_COMPANY' },
    exporter: { id: 'EXP-42', type: 'LICENSED_EXPORTER' },
    timeline: [],
    typologies: [{ typology: 'ZERO_MILEAGE', score: 0.8, severity, reached: true }],
    ...overrides,
  };
}

/** Case rules with queue names unique to a test run (other engineers share the dev server). */
export function testCaseConfig(run: string, overrides: Partial<CaseConfig> = {}): CaseConfig {
  return {
    routing: {
      priorityQueue: `priority-${run}`,
      standardQueue: `standard-${run}`,
      supervisorQueue: `supervisor-${run}`,
      prioritySeverities: ['CRITICAL'],
      priorityDestinations: ['RU'],
    },
    slaMs: { CRITICAL: HOUR_MS, HIGH: HOUR_MS, MEDIUM: HOUR_MS, LOW: HOUR_MS },
    supervisors: ['sup-1'],
    closedRetentionMs: MINUTE_MS,
    maxHistoryEvents: 5_000,
    ...overrides,
  };
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let runtimeInstalled = false;
/** The SDK logs every worker state change at INFO to stdout; tests want warnings only. Call before any worker/connection. */
export function quietTemporalRuntime(level: 'WARN' | 'ERROR' = 'WARN'): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      telemetryOptions: { logging: { filter: { core: level, other: level } } },
    });
  } catch {
    // already installed by another helper in this process
  }
}

/**
 * Terminates every running workflow of a (test) task queue, so test runs leave no open cases on the
 * shared dev server (they would slow everyone's visibility queries). Best effort: visibility lags.
 */
export async function terminateTaskQueue(client: Client, taskQueue: string): Promise<number> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({
    query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
  })) {
    ids.push(wf.workflowId);
  }
  let n = 0;
  for (let i = 0; i < ids.length; i += 32) {
    await Promise.all(
      ids.slice(i, i + 32).map((id) =>
        client.workflow
          .getHandle(id)
          .terminate('test cleanup')
          .then(
            () => n++,
            () => undefined,
          ),
      ),
    );
  }
  return n;
}
