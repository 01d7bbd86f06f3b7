/**
 * What the load average counts, attributed: Linux's load average is a moving average of the threads
 * that are runnable (state R) or in uninterruptible sleep (state D: fsync, disk I/O) at its samples.
 * This samples every thread of the machine (/proc/<pid>/task/<tid>/stat) and counts R and D per
 * process (named by the caller, else `other:<comm>`) and per thread name, so a load average above the
 * cores in use can be traced to the threads that make it (GC or compiler threads, thread pools, fsync).
 */
import { readdirSync, readFileSync } from 'node:fs';

interface StateCounts {
  R: number;
  D: number;
}

/** Mean R and D threads per sample, per process and per (process, thread name). */
export interface ThreadStateFigures {
  samples: number;
  /** Mean runnable + uninterruptible threads over the samples: what the load average tracks. */
  meanRD: number;
  byProcess: Record<string, StateCounts>;
  /** The busiest (process/thread) names, digits folded (`GC Thread#3` → `GC Thread#n`). */
  topThreads: Array<{ thread: string } & StateCounts>;
}

/** Field 3 (state) and field 2 (comm, in parentheses, may hold spaces) of a stat line. */
function parseStat(stat: string): { comm: string; state: string } | undefined {
  const open = stat.indexOf('(');
  const close = stat.lastIndexOf(')');
  if (open < 0 || close < 0) return undefined;
  return { comm: stat.slice(open + 1, close), state: stat.charAt(close + 2) };
}

function readOr(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the task ended between listing and reading
  }
}

export class ThreadStateSampler {
  private samples = 0;
  private readonly byProcess = new Map<string, StateCounts>();
  private readonly byThread = new Map<string, StateCounts>();

  /** One sample of every thread; `names` names the processes the caller knows (pid → name). */
  sample(names: ReadonlyMap<number, string>): void {
    this.samples++;
    let pids: string[];
    try {
      pids = readdirSync('/proc');
    } catch {
      return;
    }
    for (const pid of pids) {
      if (!/^\d+$/.test(pid)) continue;
      let tids: string[];
      try {
        tids = readdirSync(`/proc/${pid}/task`);
      } catch {
        continue;
      }
      let processName = names.get(Number(pid));
      for (const tid of tids) {
        // This sampler's own thread is running while it reads: not part of what it measures.
        if (Number(tid) === process.pid) continue;
        const stat = readOr(`/proc/${pid}/task/${tid}/stat`);
        const parsed = stat === undefined ? undefined : parseStat(stat);
        if (!parsed || (parsed.state !== 'R' && parsed.state !== 'D')) continue;
        if (processName === undefined) {
          const main = readOr(`/proc/${pid}/stat`);
          processName = `other:${(main && parseStat(main)?.comm) ?? pid}`;
        }
        const state = parsed.state;
        const p = this.byProcess.get(processName) ?? { R: 0, D: 0 };
        p[state]++;
        this.byProcess.set(processName, p);
        const threadKey = `${processName}/${parsed.comm.replace(/\d+/g, 'n')}`;
        const t = this.byThread.get(threadKey) ?? { R: 0, D: 0 };
        t[state]++;
        this.byThread.set(threadKey, t);
      }
    }
  }

  figures(top = 15): ThreadStateFigures {
    const n = Math.max(1, this.samples);
    const mean = (c: StateCounts): StateCounts => ({
      R: Math.round((c.R / n) * 1000) / 1000,
      D: Math.round((c.D / n) * 1000) / 1000,
    });
    const total = (c: StateCounts) => c.R + c.D;
    const byProcess = Object.fromEntries(
      [...this.byProcess].sort((a, b) => total(b[1]) - total(a[1])).map(([k, c]) => [k, mean(c)]),
    );
    const topThreads = [...this.byThread]
      .sort((a, b) => total(b[1]) - total(a[1]))
      .slice(0, top)
      .map(([thread, c]) => ({ thread, ...mean(c) }));
    const all = [...this.byProcess.values()].reduce((s, c) => s + total(c), 0);
    return {
      samples: this.samples,
      meanRD: Math.round((all / n) * 1000) / 1000,
      byProcess,
      topThreads,
    };
  }
}
