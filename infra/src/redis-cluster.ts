import { spawnSync } from 'node:child_process';
import type { StackSettings } from './settings.js';
import { redisProbe } from './components/redis.js';
import { waitFor } from './process.js';

/**
 * Forms the cluster profile's Redis Cluster (3 masters, one replica each) on first start: the nodes
 * remember it in their nodes.conf, so later starts find it formed and this only checks its state.
 */
export async function ensureRedisCluster(s: StackSettings, log: (m: string) => void): Promise<string> {
  const addrs = s.redisNodes.map((n) => `${s.host}:${n.port}`);
  const first = s.redisNodes[0]!.port;
  const info = await redisProbe(s.host, first, ['CLUSTER', 'INFO']);
  const known = Number(/cluster_known_nodes:(\d+)/.exec(info)?.[1] ?? 0);
  const assigned = Number(/cluster_slots_assigned:(\d+)/.exec(info)?.[1] ?? 0);
  if (known === 1 && assigned === 0) {
    log(`forming the Redis Cluster: ${addrs.join(' ')} (3 masters + 3 replicas)`);
    const r = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...addrs, '--cluster-replicas', '1', '--cluster-yes'],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${r.stdout}\n${r.stderr}`);
  } else if (known !== addrs.length) {
    throw new Error(
      `the Redis node at ${addrs[0]} knows ${known} nodes, not ${addrs.length}: its data dir holds another cluster (stack down --profile cluster, remove ${s.runDir}/data)`,
    );
  }
  // Every node must agree before clients connect (the replicas sync after create).
  return waitFor(
    'redis cluster',
    async () => {
      for (const n of s.redisNodes) {
        const i = await redisProbe(s.host, n.port, ['CLUSTER', 'INFO']);
        if (!/cluster_state:ok/.test(i)) throw new Error(`${s.host}:${n.port} not ok yet`);
      }
      const masters = (await redisProbe(s.host, first, ['CLUSTER', 'NODES']))
        .split('\n')
        .filter((l) => / master /.test(l) || /,master /.test(l)).length;
      return `cluster ok, ${masters} masters`;
    },
    30_000,
  );
}
