/** Public surface of @zmwatch/cli (for tests and for embedding the commands). */
export { runCli, COMMANDS } from './cli.js';
export { parseCommandLine, usageText, commandUsage, type CommandSpec } from './args.js';
export { formatTable, formatDuration, formatCount, type Column } from './table.js';
export { memoryIo, processIo, type Io } from './io.js';
export { EXIT, UsageError, NotFoundError } from './exit-codes.js';
