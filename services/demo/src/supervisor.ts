/**
 * Keeps one demo service running: starts it, and when it dies for any reason (an exit code, a clean
 * exit the demo did not ask for, or a signal) reports it at once with its log's last lines,
 * restarts it on the restart policy's schedule, and keeps the record the summary prints. The
 * policy and the wording are pure (restart-policy.ts, service-report.ts); this file is the
 * process and clock plumbing around them.
 */
import { lastLines } from './log-tail.js';
import { DEFAULT_RESTART_POLICY, decideRestart, NO_CRASHES, type RestartPolicy } from './restart-policy.js';
import { formatDeath, formatRecovery, type Outage, type ServiceHealth } from './service-report.js';
import { pollReady, startService, stopService, type RunningService, type ServiceSpec } from './services.js';

export interface SupervisorOptions {
  readonly spec: ServiceSpec;
  readonly logDir: string;
  /** Where deaths and recoveries are reported (the demo's terminal). */
  readonly report: (text: string) => void;
  readonly policy?: RestartPolicy;
  /** Log lines quoted when the service dies. */
  readonly logLines?: number;
}

export interface SupervisedService {
  readonly name: string;
  readonly logFile: string;
  /** The process running now (a new one after each restart); undefined while waiting to restart. */
  current(): RunningService | undefined;
  /**
   * Resolves when the service is first ready (its readyUrl answers, or it was spawned). Rejects
   * when the supervisor gives up first, or after `timeoutMs`, naming the service and its log.
   */
  ready(timeoutMs: number): Promise<void>;
  /** Restarts, outages and give-up so far. */
  health(): ServiceHealth;
  /** Stops restarting, then stops the process (SIGTERM, SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export function superviseService(o: SupervisorOptions): SupervisedService {
  const policy = o.policy ?? DEFAULT_RESTART_POLICY;
  const name = o.spec.name;
  const outages: Outage[] = [];
  let restarts = 0;
  let gaveUp: ServiceHealth['gaveUp'] = null;
  let stopping = false;
  let current: RunningService | undefined;
  let wake: (() => void) | undefined;
  let logFile = '';

  let everReady = false;
  const readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const settleReady = (err?: Error) => {
    for (const w of readyWaiters.splice(0)) {
      if (err) w.reject(err);
      else w.resolve();
    }
  };

  const openOutage = (): number => outages.findIndex((x) => x.endedAt === null);

  const markReady = (svc: RunningService) => {
    if (svc !== current || stopping) return;
    if (!everReady) {
      everReady = true;
      settleReady();
    }
    const i = openOutage();
    if (i >= 0) {
      const ended = Date.now();
      outages[i] = { ...outages[i]!, endedAt: ended };
      o.report(formatRecovery(name, ended - outages[i]!.startedAt, restarts));
    }
  };

  const loop = async (): Promise<void> => {
    let streak = NO_CRASHES;
    while (!stopping) {
      const spawnedAt = Date.now();
      const svc = startService(o.spec, o.logDir);
      logFile = svc.logFile;
      current = svc;
      if (o.spec.readyUrl)
        void pollReady(o.spec.readyUrl, svc).then((ok) => {
          if (ok) markReady(svc);
        });
      else markReady(svc);

      const exit = await svc.exited;
      if (stopping) return;
      const diedAt = Date.now();
      current = undefined;
      // A process that died before it was ready continues the outage of the one before it.
      const i = openOutage();
      if (i >= 0) outages[i] = { ...outages[i]!, endedAt: diedAt };
      outages.push({ startedAt: diedAt, endedAt: null, exit });

      const decision = decideRestart(streak, diedAt - spawnedAt, policy);
      streak = decision.streak;
      const logTail = lastLines(svc.logFile, o.logLines ?? 8);
      const uptimeMs = diedAt - spawnedAt;
      if (decision.action === 'give-up') {
        gaveUp = { at: diedAt, reason: decision.reason };
        o.report(formatDeath({ name, exit, uptimeMs, logFile, logTail, next: { gaveUp: decision.reason } }));
        settleReady(new Error(`${name} could not be kept running (${decision.reason}); see ${svc.logFile}`));
        return;
      }
      o.report(
        formatDeath({
          name,
          exit,
          uptimeMs,
          logFile,
          logTail,
          next: { restartInMs: decision.delayMs, restartNo: restarts + 1 },
        }),
      );
      if (decision.delayMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, decision.delayMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = undefined;
      }
      if (stopping) return;
      restarts++;
    }
  };
  const running = loop();

  return {
    name,
    get logFile() {
      return logFile;
    },
    current: () => current,
    ready(timeoutMs) {
      if (everReady) return Promise.resolve();
      if (gaveUp) return Promise.reject(new Error(`${name} could not be kept running; see ${logFile}`));
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const what = o.spec.readyUrl ? ` at ${o.spec.readyUrl}` : '';
          reject(new Error(`${name} not ready${what} after ${timeoutMs / 1000} s; see ${logFile}`));
        }, timeoutMs);
        readyWaiters.push({
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    health: () => ({ name, restarts, outages: [...outages], gaveUp }),
    async stop(graceMs) {
      stopping = true;
      wake?.();
      if (current) await stopService(current, graceMs);
      await running;
    },
  };
}
