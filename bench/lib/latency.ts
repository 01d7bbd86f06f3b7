/** p50 and p99 (nearest rank, rounded to ms) of a sample; null for an empty one. */
export function p50p99(xs: readonly number[]): { p50: number | null; p99: number | null } {
  if (xs.length === 0) return { p50: null, p99: null };
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (p: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!);
  return { p50: at(50), p99: at(99) };
}
