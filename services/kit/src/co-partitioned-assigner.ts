import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export const CO_PARTITIONED_ASSIGNER_NAME = 'ZmCoPartitioned';

/**
 * A consumer-group assignor for co-partitioned inputs (topics keyed alike, with the same partition
 * count): partition NUMBERS are dealt round-robin to the members, and a member gets that number on
 * every subscribed topic. A consumer that joins two topics per key (the detector: registrations and
 * declarations of a VIN) then owns both halves of every key it sees, which is what lets it keep the
 * key's state in memory. kafkajs's round-robin deals topic-partitions instead: with 6 partitions and
 * 4 members, registrations-0 and declarations-0 go to different members.
 *
 * Offer it first and round-robin second (`partitionAssigners: [coPartitionedAssigner,
 * PartitionAssigners.roundRobin]`): during a rolling upgrade from a version without it, the group
 * falls back to the protocol every member supports.
 */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_ASSIGNER_NAME,
  version: 1,
  async assign({ members, topics }) {
    return assignCoPartitioned(
      members.map((m) => m.memberId),
      topics.map((topic) => ({
        topic,
        partitions: cluster.findTopicPartitionMetadata(topic).map((m) => m.partitionId),
      })),
    ).map(({ memberId, assignment }) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 1,
        assignment,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: CO_PARTITIONED_ASSIGNER_NAME,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 1, topics, userData: Buffer.alloc(0) }),
    };
  },
});

/** The pure part: partition numbers dealt to sorted member ids, each with all topics having it. */
export function assignCoPartitioned(
  memberIds: readonly string[],
  topics: ReadonlyArray<{ topic: string; partitions: readonly number[] }>,
): Array<{ memberId: string; assignment: Record<string, number[]> }> {
  const sorted = [...memberIds].sort();
  const numbers = [...new Set(topics.flatMap((t) => t.partitions))].sort((a, b) => a - b);
  const out = sorted.map((memberId) => ({ memberId, assignment: {} as Record<string, number[]> }));
  numbers.forEach((p, i) => {
    const { assignment } = out[i % out.length]!;
    for (const t of topics) if (t.partitions.includes(p)) (assignment[t.topic] ??= []).push(p);
  });
  return out;
}
