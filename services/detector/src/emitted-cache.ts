/**
 * Alert ids this process has already seen acknowledged. When a batch fails after its alerts were
 * acked (Redis went away before the "alerted" marks were written) and is retried by the same
 * process, the retry does not produce them again. Across processes (crash, rebalance) the marks in
 * Redis are the only memory, which leaves the one window documented in the README.
 */
export class EmittedCache {
  private readonly ids = new Set<string>();
  constructor(private readonly max: number) {}
  has(id: string): boolean {
    return this.ids.has(id);
  }
  add(id: string): void {
    this.ids.add(id);
    if (this.ids.size > this.max) this.ids.delete(this.ids.values().next().value!);
  }
}
