/** Human-friendly times and numbers. */
const UNITS = [
  ['d', 86_400_000, 'h'],
  ['h', 3_600_000, 'm'],
  ['m', 60_000, null],
  ['s', 1000, null],
];
const SIZE = Object.fromEntries(UNITS.map(([u, size]) => [u, size]));

/** "in 2h 5m", "3m ago"; under a second either way is "just now" (never "now ago" or "in now"). */
export function relative(iso, now = Date.now()) {
  if (!iso) return '—';
  const ms = Date.parse(iso) - now;
  const abs = Math.abs(ms);
  const unit = UNITS.find(([, size]) => abs >= size);
  if (!unit) return 'just now';
  const [u, size, sub] = unit;
  const n = Math.floor(abs / size);
  const text = sub ? `${n}${u} ${Math.floor((abs % size) / SIZE[sub])}${sub}` : `${n}${u}`;
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
