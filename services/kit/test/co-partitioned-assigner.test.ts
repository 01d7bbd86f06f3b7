import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AssignerProtocol, type Cluster } from 'kafkajs';
import { assignCoPartitioned, coPartitionedAssigner } from '../src/co-partitioned-assigner.js';

const six = [0, 1, 2, 3, 4, 5];

test('every member gets the same partition numbers on every topic, each partition exactly once', () => {
  for (const members of [1, 2, 3, 4, 5, 6, 7]) {
    const ids = Array.from({ length: members }, (_, i) => `m-${i}`);
    const out = assignCoPartitioned(ids, [
      { topic: 'reg', partitions: six },
      { topic: 'decl', partitions: six },
    ]);
    const seen = { reg: [] as number[], decl: [] as number[] };
    for (const { assignment } of out) {
      assert.deepEqual(assignment.reg ?? [], assignment.decl ?? [], `${members} members: aligned`);
      seen.reg.push(...(assignment.reg ?? []));
      seen.decl.push(...(assignment.decl ?? []));
    }
    assert.deepEqual(seen.reg.sort(), six);
    assert.deepEqual(seen.decl.sort(), six);
    const counts = out.map((o) => (o.assignment.reg ?? []).length);
    assert.ok(Math.max(...counts) - Math.min(...counts) <= 1, `${members} members: balanced ${counts}`);
  }
});

test('the kafkajs assigner encodes that assignment (4 members: round-robin would split partition 0)', async () => {
  const cluster = {
    findTopicPartitionMetadata: () => six.map((partitionId) => ({ partitionId })),
  } as unknown as Cluster;
  const assigner = coPartitionedAssigner({ cluster, groupId: 'g', logger: undefined as never });
  const members = ['d', 'c', 'b', 'a'].map((memberId) => ({ memberId, memberMetadata: Buffer.alloc(0) }));
  const result = await assigner.assign({ members, topics: ['reg', 'decl'] });
  const decoded = Object.fromEntries(
    result.map((r) => [r.memberId, AssignerProtocol.MemberAssignment.decode(r.memberAssignment)!.assignment]),
  );
  assert.deepEqual(decoded.a, { reg: [0, 4], decl: [0, 4] });
  assert.deepEqual(decoded.d, { reg: [3], decl: [3] });
  const meta = AssignerProtocol.MemberMetadata.decode(
    assigner.protocol({ topics: ['reg', 'decl'] }).metadata,
  )!;
  assert.deepEqual(meta.topics, ['reg', 'decl']);
});
