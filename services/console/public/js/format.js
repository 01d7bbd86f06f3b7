/** Human-friendly times and numbers. */
export function relative(iso, now = Date.now()) {
  if (!iso) return '—';
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const units = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  let text = 'now';
  for (const [u, size] of units) {
    if (abs >= size) {
      const n = Math.floor(abs / size);
      const rest = Math.floor((abs % size) / (units[units.findIndex(([x]) => x === u) + 1]?.[1] ?? 1));
      text = u === 'd' || u === 'h' ? `${n}${u} ${rest}${u === 'd' ? 'h' : 'm'}` : `${n}${u}`;
      break;
    }
  }
  return ms >= 0 ? `in ${text}` : `${text} ago`;
}

export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} UTC`;
}

export function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

export const num = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'));
