/**
 * The words the demo uses about its services' health: the line printed the moment one dies, the
 * line when it is back, and the summary lines that say which figures a dead service made incomplete.
 * Pure, so the wording is unit-tested.
 */

/** How a child process ended, as Node reports it: exactly one of the two is non-null. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One period a service was not running (from its death to its restarted process being ready). */
export interface Outage {
  readonly startedAt: number;
  /** null while still down (or after giving up). */
  readonly endedAt: number | null;
  readonly exit: ExitInfo;
}

export interface ServiceHealth {
  readonly name: string;
  readonly restarts: number;
  readonly outages: readonly Outage[];
  readonly gaveUp: { readonly at: number; readonly reason: string } | null;
}

/** `killed by SIGKILL`, `exited with code 1`; a clean exit is a death too while the demo runs. */
export function describeExit(e: ExitInfo): string {
  if (e.signal !== null) return `killed by ${e.signal}`;
  if (e.code === 0) return 'exited with code 0 while the demo was running';
  return `exited with code ${e.code ?? '?'}`;
}

/** `0.8 s`, `12 s`, `2 min 13 s`. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)} min ${whole % 60} s`;
}

const MAX_LOG_LINE = 240;
const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

/**
 * A pino JSON log line as `21:52:12.530 error msg: err.message`, so the interesting end of a long
 * line (its message) is not the part cut off; any other line as it is.
 */
export function condenseLogLine(line: string): string {
  let j: unknown;
  try {
    j = JSON.parse(line);
  } catch {
    return line;
  }
  if (j === null || typeof j !== 'object' || typeof (j as { msg?: unknown }).msg !== 'string') return line;
  const o = j as { msg: string; level?: unknown; time?: unknown; err?: { message?: unknown } };
  const time = typeof o.time === 'string' ? `${o.time.slice(11, 23)} ` : '';
  const level = typeof o.level === 'number' ? `${PINO_LEVELS[o.level] ?? o.level} ` : '';
  const err = typeof o.err?.message === 'string' ? `: ${o.err.message}` : '';
  return `${time}${level}${o.msg}${err}`;
}

function quoteLog(logFile: string, lines: readonly string[]): string[] {
  if (lines.length === 0) return [`   (${logFile} is empty)`];
  return [
    `   last lines of ${logFile}:`,
    ...lines
      .map(condenseLogLine)
      .map((l) => `   | ${l.length > MAX_LOG_LINE ? `${l.slice(0, MAX_LOG_LINE)}…` : l}`),
  ];
}

/** Printed the moment a service dies: what happened, what the supervisor does next, its log's tail. */
export function formatDeath(d: {
  name: string;
  exit: ExitInfo;
  uptimeMs: number;
  logFile: string;
  logTail: readonly string[];
  next: { restartInMs: number; restartNo: number } | { gaveUp: string };
}): string {
  const what = `${d.name} ${describeExit(d.exit)} after ${formatDuration(d.uptimeMs)} up`;
  const next =
    'gaveUp' in d.next
      ? `giving up (${d.next.gaveUp}); the other services keep running and the summary will say which figures are incomplete`
      : `restarting it ${d.next.restartInMs > 0 ? `in ${formatDuration(d.next.restartInMs)}` : 'now'} (restart ${d.next.restartNo})`;
  return [`!! ${what}; ${next}`, ...quoteLog(d.logFile, d.logTail)].join('\n');
}

/** Printed when a restarted service is ready again. */
export function formatRecovery(name: string, downMs: number, restartNo: number): string {
  return `-- ${name} is back after ${formatDuration(downMs)} down (restart ${restartNo})`;
}

function downtimeMs(h: ServiceHealth, now: number): number {
  return h.outages.reduce((sum, o) => sum + ((o.endedAt ?? now) - o.startedAt), 0);
}

/** `killed by SIGKILL`, or `killed by SIGKILL 1×, exited with code 1 2×` when causes differ. */
function causes(outages: readonly Outage[]): string {
  const counts = new Map<string, number>();
  for (const o of outages) {
    const d = describeExit(o.exit);
    counts.set(d, (counts.get(d) ?? 0) + 1);
  }
  if (counts.size === 1) return [...counts.keys()][0]!;
  return [...counts].map(([d, n]) => `${d} ${n}×`).join(', ');
}

/**
 * Summary lines about the services: one line when all ran throughout, else one line per service
 * that died, saying for how long, why, how often it was restarted, and what that does to the
 * figures (`impact`, per service name). `startedAt` is when the services were started.
 */
export function formatServiceHealth(
  services: readonly ServiceHealth[],
  o: { now: number; startedAt: number; impact: Readonly<Record<string, string>> },
): string[] {
  const troubled = services.filter((h) => h.outages.length > 0);
  if (troubled.length === 0) {
    return [`services          ${services.map((h) => h.name).join(', ')} ran throughout (no restarts)`];
  }
  const lines = troubled.map((h) => {
    const impact = o.impact[h.name] ?? 'its figures may be incomplete';
    const down = formatDuration(downtimeMs(h, o.now));
    const restarted = `restarted ${h.restarts}×`;
    if (h.gaveUp) {
      const at = formatDuration(h.gaveUp.at - o.startedAt);
      return (
        `${h.name} was down ${down} and NOT running at the end: gave up ${at} into the run after ${h.gaveUp.reason} ` +
        `(${causes(h.outages)}, ${restarted}): ${impact}`
      );
    }
    return `${h.name} was down ${down} (${causes(h.outages)}, ${restarted}): ${impact}`;
  });
  const fine = services.filter((h) => h.outages.length === 0).map((h) => h.name);
  return [
    'services          FIGURES MAY BE INCOMPLETE:',
    ...lines.map((l) => `  ${l}`),
    ...(fine.length > 0 ? [`  ${fine.join(', ')} ran throughout`] : []),
  ];
}
