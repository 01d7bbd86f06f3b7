import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from '@zmwatch/kit';
import { createActivities, type ActivityDeps } from './activities.js';
import { CASES_TASK_QUEUE } from './shared.js';

/** Where `pnpm --filter @zmwatch/workflows bundle` writes the prebuilt workflow bundle. */
export const WORKFLOW_BUNDLE_PATH = fileURLToPath(new URL('../dist/workflow-bundle.js', import.meta.url));
/** Workflow sources, for tests and development (bundled on the fly at worker start, ~seconds). */
export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows.ts', import.meta.url));

export type WorkflowSource = { bundlePath: string } | { workflowsPath: string };

export interface CaseWorkerOptions {
  connection: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  activityDeps: ActivityDeps;
  /** Production: the prebuilt bundle. Tests may pass `workflowsPath`. */
  workflows: WorkflowSource;
  logger: Logger;
  /** How long in-flight activities get to finish on shutdown before they are cancelled. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
}

export interface CaseWorker {
  worker: Worker;
  /** Resolves when the worker has stopped (after `shutdown`), rejects on a fatal worker error. */
  run(): Promise<void>;
  /** Stops polling, lets in-flight tasks finish (up to the grace time) and waits for `run` to end. */
  shutdown(): Promise<void>;
}

export async function createCaseWorker(opts: CaseWorkerOptions): Promise<CaseWorker> {
  const source = opts.workflows;
  if ('bundlePath' in source && !existsSync(source.bundlePath)) {
    throw new Error(
      `workflow bundle ${source.bundlePath} is missing: run \`pnpm build\` (or \`pnpm --filter @zmwatch/workflows bundle\`)`,
    );
  }
  const worker = await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace ?? 'default',
    taskQueue: opts.taskQueue ?? CASES_TASK_QUEUE,
    activities: createActivities(opts.activityDeps),
    ...('bundlePath' in source
      ? { workflowBundle: { codePath: source.bundlePath } }
      : { workflowsPath: source.workflowsPath }),
    shutdownGraceTime: opts.shutdownGraceTime ?? '10s',
    ...(opts.maxConcurrentActivityTaskExecutions
      ? { maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions }
      : {}),
    ...(opts.maxConcurrentWorkflowTaskExecutions
      ? { maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTaskExecutions }
      : {}),
  });
  let running: Promise<void> | undefined;
  return {
    worker,
    run() {
      running ??= worker.run();
      return running;
    },
    async shutdown() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running?.catch((err: unknown) => opts.logger.error({ err }, 'case worker stopped with an error'));
    },
  };
}

export { NativeConnection };
