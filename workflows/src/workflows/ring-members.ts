/**
 * A decided ring case tells its members' cases (ring-case.ts): one `ringDecision` signal to each
 * member's running case workflow, sent from the ring's workflow through an external workflow handle.
 *
 * Why signals from the workflow rather than updates from an activity: a signal to another workflow is
 * a workflow command — durable, recorded in the ring's history, retried by the server, sent exactly
 * once per decision even if the worker dies — and needs no client, connection or retry policy in an
 * activity. The member validates nothing the ring decided (a signal cannot be refused): its machine
 * applies the decision where it can (an open case) and records it on its audit trail in every case.
 * What cannot be reached (a member whose case has ended, or never started) is named on the ring's
 * audit trail.
 */
import { getExternalWorkflowHandle } from '@temporalio/workflow';
import type { CaseMachine } from '../case-machine.js';
import { ringDecisionSignal } from '../ring-case.js';
import { caseIdFor } from '../shared.js';

export async function notifyRingMembers(machine: CaseMachine): Promise<void> {
  const told = machine.ringDecision();
  if (told === null) return;
  const results = await Promise.allSettled(
    told.members.map((vin) =>
      getExternalWorkflowHandle(caseIdFor(vin)).signal(ringDecisionSignal, told.signal),
    ),
  );
  const reached: string[] = [];
  const missed: string[] = [];
  results.forEach((r, i) => (r.status === 'fulfilled' ? reached : missed).push(told.members[i]!));
  machine.membersNotified(reached, missed);
}
