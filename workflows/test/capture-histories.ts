// Drives representative cases through the current workflow code on a real Temporal server and writes
// every run's event history as JSON fixtures (the `temporal workflow show --output json` form that
// `Worker.runReplayHistories` reads), so later changes are replayed against what this release wrote.
//
//   node --import tsx workflows/test/capture-histories.ts <release> [scenario,...]   # e.g. 2026-12-01
//
// With scenario names only those run (a release that adds behaviour records just its new scenarios).
//
// Needs the stack (ZM_TEMPORAL_ADDRESS, ZM_KAFKA_BROKERS) and the Temporal CLI (ZM_TEMPORAL_CLI, default
// the one `infra/bin/stack up` installs under ~/.cache/zmwatch). Writes
// workflows/test/fixtures/histories/<release>/<scenario>.<n>.json and a manifest.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  caseIdFor,
  type AlertV2Fields,
  type CaseAlert,
  type CaseConfig,
  type CaseState,
} from '../src/shared.js';
import { makeAlert, runId, testCaseConfig } from '@zmwatch/test-support/cases';
import { randomVin } from '@zmwatch/test-support/vins';
import { startCaseEnv, TEMPORAL_ADDRESS, type CaseEnv } from './support/case-env.js';
import { startCustomsServer } from './support/customs-server.js';
import { caseWhereOn } from './support/case-where.js';

const release = process.argv[2];
const only = process.argv[3]?.split(',');
if (!release || !/^[\w.-]+$/.test(release)) {
  console.error('usage: capture-histories.ts <release>   (a directory name, e.g. 2026-12-01)');
  process.exit(2);
}
const cli = process.env.ZM_TEMPORAL_CLI ?? join(homedir(), '.cache/zmwatch/temporal-1.5.1/bin/temporal');
const outDir = fileURLToPath(new URL(`fixtures/histories/${release}/`, import.meta.url));

const run = runId();
const customs = await startCustomsServer();
const env: CaseEnv = await startCaseEnv({ run, customsUrl: customs.url });

const caseWhere = caseWhereOn(env.cases);
/** The first run of each case (the chain of continue-as-new runs is followed from it). */
const firstRuns = new Map<string, string>();
const signal = async (alert: CaseAlert, config: CaseConfig) => {
  const r = await env.cases.signalAlert(alert, config);
  if (r.started && !firstRuns.has(alert.vin)) firstRuns.set(alert.vin, r.runId);
  return r;
};
const has = (action: string) => (c: CaseState) => c.audit.some((a) => a.action === action);
const opened = (vin: string, n = 1) => caseWhere(vin, (c) => c.evidence.length >= n, 'evidence');

/** Each scenario returns the VIN of its case and whether its (last) run ends by itself. */
type Scenario = (name: string) => Promise<{ vin: string; completes: boolean }>;
const brief = (overrides: Partial<CaseConfig> = {}) =>
  testCaseConfig(run, { closedRetentionMs: 1_500, ...overrides });

const scenarios: Record<string, Scenario> = {
  /** Standard queue (the escalator's preset attributes match: no upsert at open), analyst actions, dismissal, retention ends it. */
  'claim-note-release-dismiss': async () => {
    const vin = randomVin();
    const config = brief();
    await signal(makeAlert(vin, { severity: 'HIGH', destinationCountry: 'KZ' }), config);
    await opened(vin);
    await env.cases.claim(vin, { by: 'ana' });
    await env.cases.addNote(vin, { by: 'ana', text: 'registrant exported 40 cars this month' });
    await env.cases.requestInfo(vin, { by: 'ana', question: 'odometer photo?' });
    await env.cases.release(vin, { by: 'ana' });
    await env.cases.claim(vin, { by: 'bob' });
    await env.cases.decide(vin, { by: 'bob', decision: 'dismiss', reason: 'legitimate dealer transfer' });
    return { vin, completes: true };
  },
  /** v2 routing by destination (patch marker), confirm, customs fails once then accepts. */
  'priority-destination-confirm-customs-retry': async () => {
    const vin = randomVin();
    await signal(makeAlert(vin, { severity: 'MEDIUM', destinationCountry: 'RU' }), brief());
    await opened(vin);
    customs.script([500]);
    await env.cases.claim(vin, { by: 'ana' });
    await env.cases.decide(vin, {
      by: 'ana',
      decision: 'confirm',
      reason: 'registered 6 days before export',
    });
    await caseWhere(vin, has('customs-notified'), 'customs notified', 30_000);
    return { vin, completes: true };
  },
  /** Customs answers 422: audited and notified, no retry. */
  'confirm-customs-rejected': async () => {
    const vin = randomVin();
    await signal(makeAlert(vin, { severity: 'CRITICAL' }), brief());
    await opened(vin);
    customs.script([422]);
    await env.cases.claim(vin, { by: 'ana' });
    await env.cases.decide(vin, { by: 'ana', decision: 'confirm', reason: 'clear zero-mileage pattern' });
    await caseWhere(vin, has('customs-notification-failed'), 'customs failure');
    return { vin, completes: true };
  },
  /** Duplicates ignored, worse evidence tightens the SLA and reroutes, an exporter-only change (patched upsert), supervisor override decides. */
  'duplicates-evidence-exporter-override': async () => {
    const vin = randomVin();
    const config = brief();
    const first = makeAlert(vin, { severity: 'MEDIUM', destinationCountry: 'KZ', exporterId: 'EXP-A' });
    await signal(first, config);
    await signal(first, config);
    await signal(first, config);
    await caseWhere(
      vin,
      (c) => c.audit.filter((a) => a.action === 'duplicate-alert-ignored').length === 2,
      'duplicates',
    );
    const worse = makeAlert(vin, { severity: 'CRITICAL', score: 0.97, exporterId: 'EXP-A' });
    await signal(worse, config);
    await opened(vin, 2);
    await signal(makeAlert(vin, { severity: 'CRITICAL', score: 0.5, exporterId: 'EXP-B' }), config);
    await opened(vin, 3);
    await env.cases.override(vin, { by: 'sup-1', reason: 'known exporter ring', decision: 'dismiss' });
    return { vin, completes: true };
  },
  /** Escalating evidence tightens a short SLA, the breach escalates and notifies, evidence while escalated stays with supervisors, a claim restarts the SLA. */
  'sla-breach-unclaimed-then-claimed': async () => {
    const vin = randomVin();
    const config = brief({ slaMs: { CRITICAL: 1_500, HIGH: 2_000, MEDIUM: 3_000, LOW: 6_000 } });
    await signal(makeAlert(vin, { severity: 'LOW' }), config);
    await opened(vin);
    await signal(makeAlert(vin, { severity: 'HIGH' }), config);
    await caseWhere(vin, (c) => c.status === 'escalated', 'breach');
    await signal(makeAlert(vin, { severity: 'CRITICAL', destinationCountry: 'RU' }), config);
    await opened(vin, 3);
    await env.cases.claim(vin, { by: 'ana' });
    await env.cases.decide(vin, { by: 'ana', decision: 'dismiss', reason: 'checked: demo cars' });
    return { vin, completes: true };
  },
  /** Breach of a claimed case; release while escalated; claim, reassign, override severity, override decision. */
  'sla-breach-reassign-override': async () => {
    const vin = randomVin();
    const config = brief({ slaMs: { CRITICAL: 1_500, HIGH: 2_000, MEDIUM: 3_000, LOW: 4_000 } });
    await signal(makeAlert(vin, { severity: 'HIGH' }), config);
    await opened(vin);
    await env.cases.claim(vin, { by: 'ana' });
    await caseWhere(vin, (c) => c.status === 'escalated', 'breach');
    await env.cases.release(vin, { by: 'ana' });
    await env.cases.claim(vin, { by: 'carl' });
    await env.cases.reassign(vin, { by: 'sup-1', to: 'dave', reason: 'carl is out' });
    await env.cases.override(vin, { by: 'sup-1', reason: 'raise it', severity: 'CRITICAL' });
    await env.cases.override(vin, { by: 'sup-1', reason: 'known ring', decision: 'confirm' });
    await caseWhere(vin, has('customs-notified'), 'customs notified', 30_000);
    return { vin, completes: true };
  },
  /** Override of severity on an open case with a running SLA (reroute to priority), then an override decision. */
  'override-severity-open': async () => {
    const vin = randomVin();
    await signal(makeAlert(vin, { severity: 'LOW' }), brief());
    await opened(vin);
    await env.cases.override(vin, { by: 'sup-1', reason: 'ring member', severity: 'CRITICAL' });
    await env.cases.override(vin, { by: 'sup-1', reason: 'obvious', decision: 'dismiss' });
    return { vin, completes: true };
  },
  /** Decided; a replay is absorbed; a new alert reopens it as a new run (continue-as-new); decided again. */
  'reopen-after-decision': async () => {
    const vin = randomVin();
    const config = testCaseConfig(run, { closedRetentionMs: 8_000 });
    const a1 = makeAlert(vin, { severity: 'MEDIUM' });
    await signal(a1, config);
    await opened(vin);
    await env.cases.claim(vin, { by: 'ana' });
    await env.cases.decide(vin, { by: 'ana', decision: 'dismiss', reason: 'not zero mileage' });
    await caseWhere(vin, has('outcome-published'), 'closed');
    await signal(a1, config);
    await caseWhere(vin, has('duplicate-alert-ignored'), 'replay ignored');
    await signal(makeAlert(vin, { severity: 'HIGH', declarationId: 'DEC-NEW' }), config);
    await caseWhere(vin, (c) => c.reopenedFromRunId !== null && c.status === 'open', 'reopened');
    await signal(a1, config);
    await caseWhere(vin, has('duplicate-alert-ignored'), 'replay ignored after reopen');
    await env.cases.claim(vin, { by: 'bob' });
    await env.cases.decide(vin, { by: 'bob', decision: 'confirm', reason: 'new declaration confirms it' });
    return { vin, completes: true };
  },
  /** Alert revisions (contract v2): a higher severity re-routes and tightens the SLA, a lower one is recorded on the claimed case, a withdrawal notes it for the assignee, who dismisses. */
  'revisions-raise-claim-lower-withdraw': async () => {
    const vin = randomVin();
    const config = brief();
    const parties: Partial<AlertV2Fields> = {
      firstRegistrant: { id: 'REG-FIRST-1', type: 'TRADING_COMPANY' },
      holderAtDeclaration: { id: 'HOLDER-1', type: 'LICENSED_EXPORTER' },
      exporter: { id: 'EXP-42', type: 'LICENSED_EXPORTER' },
    };
    const a = makeAlert(vin, { severity: 'MEDIUM', destinationCountry: 'KZ', registrantId: 'HOLDER-1' });
    const rev = (revision: number, more: Partial<CaseAlert>): CaseAlert => ({
      ...a,
      ...parties,
      revision,
      status: 'ACTIVE',
      revisionReason: null,
      ...more,
    });
    await signal(rev(0, {}), config);
    await opened(vin);
    await signal(
      rev(1, { severity: 'CRITICAL', score: 0.95, revisionReason: 'late pending-export transfer' }),
      config,
    );
    await caseWhere(vin, has('severity-raised'), 'raised');
    await signal(rev(1, { severity: 'CRITICAL' }), config);
    await caseWhere(vin, has('duplicate-alert-ignored'), 'duplicate revision');
    await env.cases.claim(vin, { by: 'ana' });
    await signal(rev(2, { severity: 'LOW', score: 0.2, revisionReason: 'registration amended' }), config);
    await caseWhere(vin, has('severity-lower-recorded'), 'lower recorded');
    await signal(rev(3, { status: 'WITHDRAWN', revisionReason: 'declaration cancelled' }), config);
    await caseWhere(vin, has('declaration-withdrawn'), 'withdrawal noted');
    await env.cases.decide(vin, { by: 'ana', decision: 'dismiss', reason: 'declaration withdrawn' });
    return { vin, completes: true };
  },
  /** A withdrawal closes an unclaimed case as withdrawn (no outcome); retention ends the run. */
  'revisions-withdraw-unclaimed': async () => {
    const vin = randomVin();
    const config = brief();
    const a = makeAlert(vin, { severity: 'HIGH', destinationCountry: 'KZ' });
    await signal(a, config);
    await opened(vin);
    const withdrawn: CaseAlert = {
      ...a,
      revision: 1,
      status: 'WITHDRAWN',
      revisionReason: 'declaration rejected',
    };
    await signal(withdrawn, config);
    await caseWhere(vin, (c) => c.status === 'withdrawn', 'withdrawn');
    return { vin, completes: true };
  },
  /**
   * Typologies (ZmTypologies): preset at open (no upsert), a second declaration adds the ring typology
   * (an upsert of ZmTypologies alone, behind its patch marker), a claim, that declaration withdrawn
   * (ZmTypologies back to zero-mileage), dismissal; retention ends the run.
   */
  'typologies-added-withdrawn-dismiss': async () => {
    const vin = randomVin();
    const config = brief();
    await signal(makeAlert(vin, { severity: 'HIGH', destinationCountry: 'KZ' }), config);
    await opened(vin);
    const ring = makeAlert(vin, {
      severity: 'HIGH',
      destinationCountry: 'KZ',
      typologies: [{ typology: 'RING_OR_TRADER', score: 60, severity: 'HIGH', reached: true }],
    });
    await signal(ring, config);
    await opened(vin, 2);
    await env.cases.claim(vin, { by: 'ana' });
    await signal(
      { ...ring, revision: 1, status: 'WITHDRAWN', revisionReason: 'declaration cancelled' },
      config,
    );
    await caseWhere(vin, has('revised'), 'ring declaration withdrawn');
    await env.cases.decide(vin, { by: 'ana', decision: 'dismiss', reason: 'one declaration, no ring' });
    return { vin, completes: true };
  },
  /** Many alerts: continue-as-new with the state carried; left running (terminated before capture). */
  'continue-as-new-long-history': async () => {
    const vin = randomVin();
    const config = testCaseConfig(run, { maxHistoryEvents: 100 });
    await signal(makeAlert(vin), config);
    await opened(vin);
    for (let i = 0; i < 40; i++)
      await signal(makeAlert(vin, { destinationCountry: i % 2 ? 'KZ' : 'GE' }), config);
    await caseWhere(vin, (c) => c.evidence.length === 41, 'all evidence', 40_000);
    await env.cases.claim(vin, { by: 'ana' });
    return { vin, completes: false };
  },
};

interface JsonHistory {
  events: Array<{
    eventType: string;
    workflowExecutionContinuedAsNewEventAttributes?: { newExecutionRunId: string };
  }>;
}

function show(workflowId: string, runIdOf: string): { text: string; json: JsonHistory } {
  const text = execFileSync(
    cli,
    ['workflow', 'show', '--address', TEMPORAL_ADDRESS, '-w', workflowId, '-r', runIdOf, '--output', 'json'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  return { text, json: JSON.parse(text) as JsonHistory };
}

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
const manifest: Array<{ scenario: string; file: string; workflowId: string; events: number; last: string }> =
  [];
try {
  const done = await Promise.all(
    Object.entries(scenarios)
      .filter(([name]) => !only || only.includes(name))
      .map(async ([name, scenario]) => {
        const r = await scenario(name);
        return { name, ...r };
      }),
  );
  for (const { name, vin, completes } of done) {
    const workflowId = caseIdFor(vin);
    const latest = env.client.workflow.getHandle(workflowId);
    if (completes) await latest.result();
    else await latest.terminate('history fixture captured');
    // Follow the chain of runs from the first one.
    let runIdOf: string | undefined = firstRuns.get(vin);
    for (let n = 1; runIdOf; n++) {
      const { text, json } = show(workflowId, runIdOf);
      const last = json.events[json.events.length - 1]!;
      const file = `${name}.${n}.json`;
      writeFileSync(join(outDir, file), text.endsWith('\n') ? text : `${text}\n`);
      manifest.push({ scenario: name, file, workflowId, events: json.events.length, last: last.eventType });
      runIdOf = last.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
  }
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  writeFileSync(
    join(outDir, 'manifest.json'),
    `${JSON.stringify({ release, commit, capturedAt: new Date().toISOString(), histories: manifest }, null, 2)}\n`,
  );
  console.log(`wrote ${readdirSync(outDir).length - 1} histories to ${outDir}`);
  for (const m of manifest) console.log(`  ${m.file}  ${m.events} events, ends ${m.last}`);
} finally {
  await env.stop();
  await customs.close();
}
