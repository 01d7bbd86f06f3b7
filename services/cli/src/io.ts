/** Where a command writes: results to stdout, progress and problems to stderr. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** A transient progress line on stderr (rewritten in place on a terminal). */
  progress(line: string): void;
  /** Ends a progress line so the next output starts on a fresh line. */
  progressDone(): void;
  readonly isTty: boolean;
}

export function processIo(): Io {
  const tty = process.stderr.isTTY === true;
  let open = false;
  return {
    out: (line) => void process.stdout.write(`${line}\n`),
    err: (line) => {
      if (open) process.stderr.write('\n');
      open = false;
      process.stderr.write(`${line}\n`);
    },
    progress: (line) => {
      if (tty) {
        process.stderr.write(`\r\x1b[2K${line}`);
        open = true;
      } else process.stderr.write(`${line}\n`);
    },
    progressDone: () => {
      if (open) process.stderr.write('\n');
      open = false;
    },
    isTty: process.stdout.isTTY === true,
  };
}

/** Collects output in memory (tests). */
export function memoryIo(): Io & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    out: (l) => void stdout.push(l),
    err: (l) => void stderr.push(l),
    progress: (l) => void stderr.push(l),
    progressDone: () => undefined,
    isTty: false,
  };
}
