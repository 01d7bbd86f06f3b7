/**
 * A progress line for terminals: bar, counts per topic, noise, rate and ETA, redrawn in place at most
 * ten times a second. Off a TTY it prints a plain line every few seconds instead, so logs stay readable.
 */
import type { EventCounts } from './counts.js';

export interface ProgressView extends EventCounts {
  readonly elapsedMs: number;
}

export interface ProgressBar {
  update(p: ProgressView): void;
  done(p: ProgressView): void;
}

export function createProgressBar(
  stream: NodeJS.WriteStream,
  total: number | undefined,
  opts: { label?: string; plainEveryMs?: number } = {},
): ProgressBar {
  const tty = stream.isTTY === true;
  let lastDraw = -Infinity;
  const every = tty ? 100 : (opts.plainEveryMs ?? 5000);
  const render = (p: ProgressView): string => {
    const rate = p.elapsedMs > 0 ? (p.total * 1000) / p.elapsedMs : 0;
    const noise = Object.entries(p.noise)
      .map(([k, v]) => `${k} ${fmt(v)}`)
      .join(' ');
    const counts = `reg ${fmt(p.registrations)} decl ${fmt(p.declarations)}${noise ? ` | ${noise}` : ''} | ${fmt(Math.round(rate))} ev/s`;
    if (total === undefined || total <= 0) return `${opts.label ?? 'events'} ${fmt(p.total)} | ${counts}`;
    const frac = Math.min(1, p.total / total);
    const width = 24;
    const filled = Math.round(frac * width);
    const eta = rate > 0 ? Math.max(0, (total - p.total) / rate) : undefined;
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(1).padStart(5)}% ${fmt(p.total)}/${fmt(total)} | ${counts}${eta !== undefined ? ` | ETA ${Math.ceil(eta)}s` : ''}`;
  };
  const draw = (p: ProgressView, final: boolean) => {
    const line = render(p);
    if (tty) {
      const cols = stream.columns ?? 160;
      stream.write(`\r\x1b[2K${line.slice(0, cols - 1)}${final ? '\n' : ''}`);
    } else stream.write(`${line}\n`);
  };
  return {
    update(p) {
      if (p.elapsedMs - lastDraw < every) return;
      lastDraw = p.elapsedMs;
      draw(p, false);
    },
    done(p) {
      draw(p, true);
    },
  };
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
