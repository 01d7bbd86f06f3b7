import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type InjectedSinks, type WorkerOptions } from '@temporalio/worker';
import { errorMessage, type Logger } from '@zmwatch/kit';
import { createActivities, type ActivityDeps } from './activities.js';
import { CASE_VIEW_VERSION, type CaseViewWriter } from './case-view-store.js';
import { CASES_TASK_QUEUE, type CaseViewSinks } from './shared.js';

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
  /** Workflows kept in memory between tasks (sticky cache); an evicted one replays its history. */
  maxCachedWorkflows?: number;
  /** Where the case projection goes (case-view-store.ts); absent: nowhere (pages query the workflow). */
  caseViews?: CaseViewWriter;
}

/**
 * The projection sink: hands the state to the store without awaiting it, so a slow or unreachable
 * Redis never holds up a workflow task (the SDK awaits sinks before completing the activation). One
 * connection keeps one case's writes in order. A failed write is logged; the next change of the case
 * writes it again, and until then the page says how old what it shows is. Without `to` the sink does
 * nothing (replays, tests): registered anyway, so the SDK does not log an unknown sink.
 */
export function caseViewSinks(to?: { writer: CaseViewWriter; logger: Logger }): InjectedSinks<CaseViewSinks> {
  return {
    caseViews: {
      publish: {
        fn(info, state) {
          if (!to) return;
          const { writer, logger } = to;
          writer
            .write({ v: CASE_VIEW_VERSION, state, runId: info.runId, publishedAt: Date.now() })
            .catch((err: unknown) =>
              logger.warn({ caseId: state.caseId, err: errorMessage(err) }, 'case projection write failed'),
            );
        },
        callDuringReplay: false,
      },
    },
  };
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
    sinks: caseViewSinks(opts.caseViews && { writer: opts.caseViews, logger: opts.logger }),
    shutdownGraceTime: opts.shutdownGraceTime ?? '10s',
    ...(opts.maxConcurrentActivityTaskExecutions
      ? { maxConcurrentActivityTaskExecutions: opts.maxConcurrentActivityTaskExecutions }
      : {}),
    ...(opts.maxConcurrentWorkflowTaskExecutions
      ? { maxConcurrentWorkflowTaskExecutions: opts.maxConcurrentWorkflowTaskExecutions }
      : {}),
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
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
