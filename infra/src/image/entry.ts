/**
 * The image's entry point: `<image> <command> [args…]` runs one service (or the `zmwatch` CLI) in
 * this process. tini is PID 1 and forwards SIGTERM here; each service's own shutdown handler drains it.
 * Node flags cannot be set from inside: give the detector its V8 flags with
 * `NODE_OPTIONS=--max-semi-space-size=64` (the manifests do; the detector reads NODE_OPTIONS too).
 * Imports nothing outside this package's dist/, so it needs no node_modules to print its usage.
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compiledPath, SERVICE_MAINS } from '../compiled.js';

/** What the image can run, by name. */
export const IMAGE_COMMANDS = { ...SERVICE_MAINS, cli: 'services/cli/src/main.ts' } as const;
export type ImageCommand = keyof typeof IMAGE_COMMANDS;

/** The app's root (infra/dist/image/ → the folder holding infra/, services/, …). */
const APP_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The compiled file a command runs, or undefined for an unknown command. */
export function entryFile(command: string, root = APP_ROOT): string | undefined {
  if (!Object.hasOwn(IMAGE_COMMANDS, command)) return undefined;
  return join(root, compiledPath(IMAGE_COMMANDS[command as ImageCommand]));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const command = process.argv[2] ?? '';
  const file = entryFile(command);
  if (!file) {
    process.stderr.write(
      `usage: <image> ${Object.keys(IMAGE_COMMANDS).join('|')} [args…]` +
        (command ? ` (unknown command "${command}")` : '') +
        '\n',
    );
    process.exit(2);
  }
  // The service sees the command line it would see started directly: node <its main> [args…].
  process.argv.splice(1, 2, file);
  await import(pathToFileURL(file).href);
}
