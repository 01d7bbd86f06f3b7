/**
 * CPU seconds per process from /proc (Linux): utime + stime of /proc/<pid>/stat, and the pid
 * listening on a TCP port (for servers this process did not start, e.g. the shared stack's Kafka).
 * Less noisy than the load average on a shared machine: it counts only what each process ran.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) the process has used so far; undefined once it is gone. */
export function cpuSecondsOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Field 2 (comm) is in parentheses and may hold spaces: count fields after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after comm (0-based: 11, 12).
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** The 1-minute load average. */
export function loadAverage1m(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/** Inodes of IPv4/IPv6 sockets listening on `port`. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || cols[3] !== '0A') continue; // 0A = LISTEN
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port) inodes.add(cols[9]!);
    }
  }
  return inodes;
}

/** The pid of the process listening on `port` (the first found), or undefined. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1]!)) return Number(entry);
    }
  }
  return undefined;
}

/**
 * Accumulates CPU seconds per named process across samples. A name may change pid (a restarted
 * service): each pid's own delta since it was first seen is added, so a restart loses at most the
 * CPU between the last sample and the old process's end.
 */
export class CpuTracker {
  private readonly firstSeen = new Map<number, number>();
  private readonly lastSeen = new Map<number, number>();
  private readonly names = new Map<number, string>();

  /** Samples every (name, pid) given: call it at the start, periodically, and at the end. */
  sample(processes: ReadonlyArray<{ name: string; pid: number | undefined }>): void {
    for (const { name, pid } of processes) {
      if (pid === undefined) continue;
      const s = cpuSecondsOf(pid);
      if (s === undefined) continue;
      if (!this.firstSeen.has(pid)) this.firstSeen.set(pid, s);
      this.lastSeen.set(pid, s);
      this.names.set(pid, name);
    }
  }

  /** CPU seconds per name since each of its pids was first sampled. */
  secondsByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [pid, name] of this.names) {
      out[name] = (out[name] ?? 0) + this.lastSeen.get(pid)! - this.firstSeen.get(pid)!;
    }
    return out;
  }
}
