import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The last `n` non-blank lines of a (possibly large, still growing) log file: only its final
 * `maxBytes` are read. A missing or unreadable file gives no lines rather than an error, because
 * this runs while reporting another failure.
 */
export function lastLines(file: string, n: number, maxBytes = 16 * 1024): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buf = Buffer.alloc(length);
    readSync(fd, buf, 0, length, size - length);
    const lines = buf.toString('utf8').split(/\r?\n/);
    // The first line is cut when the read started mid-file.
    if (length < size) lines.shift();
    return lines.filter((l) => l.trim() !== '').slice(-n);
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
