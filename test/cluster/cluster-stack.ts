// Helpers of the cluster profile's fault tests: bring servers back, find and SIGKILL a broker.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Admin } from 'kafkajs';
import { missingTool, REPO_ROOT, stackSettings } from '@zmwatch/infra';
import { waitFor } from '@zmwatch/test-support/stack';

const run = promisify(execFile);
export const cluster = stackSettings('cluster');
export const onCluster = process.env.ZM_REDIS_CLUSTER_NODES !== undefined;
/**
 * Off the cluster profile (run without `infra/bin/test`, which brings it up for these files): fails
 * the test under CI=true, skips it elsewhere. `if (offCluster(t)) return;`
 */
export const offCluster = (t: { skip(message: string): void }): boolean =>
  !onCluster &&
  missingTool(t, 'needs the cluster profile: infra/bin/test test/cluster/<file>.cluster-test.ts');

/** Brings killed servers back (and checks the whole profile is healthy again). */
export async function stackUpCluster(...only: string[]): Promise<void> {
  await run(
    'node',
    ['--import', 'tsx', join(REPO_ROOT, 'infra/src/main.ts'), 'up', ...only, '--profile', 'cluster'],
    { timeout: 180_000 },
  );
}

export const pidOf = (name: string) =>
  Number(readFileSync(join(cluster.runDir, 'run', `${name}.pid`), 'utf8').trim());

/**
 * SIGKILLs the broker leading the most partitions of `topics` and waits until no partition of
 * `watch` is led by it any more (the controller fences it after broker.session.timeout.ms).
 * Returns the killed node id.
 */
export async function killBusiestBroker(admin: Admin, topics: string[], watch: string[]): Promise<number> {
  const meta = await admin.fetchTopicMetadata({ topics });
  const leads = new Map<number, number>();
  for (const m of meta.topics)
    for (const p of m.partitions) leads.set(p.leader, (leads.get(p.leader) ?? 0) + 1);
  const [victim] = [...leads].sort((a, b) => b[1] - a[1])[0]!;
  process.kill(pidOf(`kafka-${victim}`), 'SIGKILL');
  await waitFor(
    'leaders moved off the dead broker',
    async () => {
      // The admin's own connection to the dead broker fails once or twice: ask again.
      const after = await admin.fetchTopicMetadata({ topics: watch }).catch(() => undefined);
      return after?.topics.every((t) => t.partitions.every((p) => p.leader !== victim));
    },
    30_000,
    200,
  );
  return victim;
}
