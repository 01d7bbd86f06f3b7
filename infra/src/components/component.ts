export type ComponentGroup = 'kafka' | 'redis' | 'temporal';

export interface Component {
  /** `kafka`, `redis`, `temporal` on the single profile; `kafka-1`, `redis-4`, … on the cluster profile. */
  readonly name: string;
  /** What `stack up kafka` and friends select. */
  readonly group: ComponentGroup;
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
  /**
   * Resolves once the process answers (start-up is over), where that differs from health: a Redis
   * Cluster node answers before the cluster it belongs to is formed. Absent: `health`.
   */
  answers?(): Promise<string>;
}
