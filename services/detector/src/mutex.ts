/** Serialises async sections: the sweeper must not evaluate a VIN while a batch is merging it. */
export function createMutex() {
  let tail: Promise<unknown> = Promise.resolve();
  return function withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}
