export interface Component {
  readonly name: 'kafka' | 'redis' | 'temporal';
  readonly logFile: string;
  readonly pidFile: string;
  /** Human-readable version of what runs. */
  version(): string;
  address(): string;
  /** Idempotent; fast when the cache is warm. */
  install(): Promise<void>;
  /** Spawns the server (detached); callers check health first so a running server is left alone. */
  start(): Promise<void>;
  /** Resolves with a short detail when healthy, throws otherwise. One attempt, short timeout. */
  health(): Promise<string>;
}
