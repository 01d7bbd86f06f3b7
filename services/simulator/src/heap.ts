/** Minimal binary min-heap ordered by (time, insertion order), so equal times pop deterministically. */
export class TimeHeap<T> {
  private readonly items: { t: number; n: number; v: T }[] = [];
  private inserted = 0;

  get size(): number {
    return this.items.length;
  }

  peekTime(): number | undefined {
    return this.items[0]?.t;
  }

  push(t: number, v: T): void {
    const items = this.items;
    const node = { t, n: this.inserted++, v };
    let i = items.length;
    items.push(node);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(node, items[p]!)) break;
      items[i] = items[p]!;
      i = p;
    }
    items[i] = node;
  }

  pop(): T | undefined {
    const items = this.items;
    const top = items[0];
    if (!top) return undefined;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= items.length) break;
        const r = l + 1;
        const c = r < items.length && less(items[r]!, items[l]!) ? r : l;
        if (!less(items[c]!, last)) break;
        items[i] = items[c]!;
        i = c;
      }
      items[i] = last;
    }
    return top.v;
  }
}

function less(a: { t: number; n: number }, b: { t: number; n: number }): boolean {
  return a.t < b.t || (a.t === b.t && a.n < b.n);
}
