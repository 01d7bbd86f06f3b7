/**
 * A queue row: a case as its search attributes show it (visibility listings and
 * DescribeWorkflowExecution both return them), without asking the workflow.
 */
import type { WorkflowExecutionStatusName } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { decodeSearchAttributes } from './search-attribute-payloads.js';
import { SA, type CaseStatus, type Severity } from './shared.js';

export interface CaseSummary {
  caseId: string;
  vin: string;
  runId: string;
  queue: string | null;
  status: CaseStatus | null;
  severity: Severity | null;
  score: number | null;
  assignee: string | null;
  destination: string | null;
  /** The holder of the registration at declaration time (ZmRegistrant). */
  registrant: string | null;
  /** The first registrant (ZmFirstRegistrant), null for cases of v1 alerts. Optional as `exporter` is. */
  firstRegistrant?: string | null;
  /** Always set by listings; optional only so summaries built by hand elsewhere (CLI tests) still type. */
  exporter?: string | null;
  /** The case's typologies (ZmTypologies, sorted); empty for a case opened before the attribute. Optional as `exporter` is. */
  typologies?: string[];
  jurisdiction: string | null;
  slaDueAt: Date | null;
  openedAt: Date;
  executionStatus: WorkflowExecutionStatusName;
}

const EXECUTION_STATUS: Record<number, WorkflowExecutionStatusName> = {
  0: 'UNSPECIFIED',
  1: 'RUNNING',
  2: 'COMPLETED',
  3: 'FAILED',
  4: 'CANCELLED',
  5: 'TERMINATED',
  6: 'CONTINUED_AS_NEW',
  7: 'TIMED_OUT',
};

/** The fields of Temporal's WorkflowExecutionInfo (listings and describe) a queue row is made of. */
export interface RawExecutionInfo {
  execution?: { workflowId?: string | null; runId?: string | null } | null;
  startTime?: { seconds?: number | bigint | { toString(): string } | null; nanos?: number | null } | null;
  status?: number | null;
  searchAttributes?: { indexedFields?: Record<string, Payload> | null } | null;
}

/** A visibility or describe answer's execution info → the queue row it shows. */
export function caseSummaryOf(raw: RawExecutionInfo): CaseSummary {
  const sa = decodeSearchAttributes(raw.searchAttributes?.indexedFields);
  const caseId = raw.execution?.workflowId ?? '';
  const start = raw.startTime?.seconds;
  return {
    caseId,
    vin: sa.get(SA.vin) ?? caseId.replace(/^case-/, ''),
    runId: raw.execution?.runId ?? '',
    queue: sa.get(SA.queue) ?? null,
    status: (sa.get(SA.status) as CaseStatus | undefined) ?? null,
    severity: (sa.get(SA.severity) as Severity | undefined) ?? null,
    score: sa.get(SA.score) ?? null,
    assignee: sa.get(SA.assignee) ?? null,
    destination: sa.get(SA.destination) ?? null,
    registrant: sa.get(SA.registrant) ?? null,
    firstRegistrant: sa.get(SA.firstRegistrant) ?? null,
    exporter: sa.get(SA.exporter) ?? null,
    typologies: sa.get(SA.typologies) ?? [],
    jurisdiction: sa.get(SA.jurisdiction) ?? null,
    slaDueAt: sa.get(SA.slaDueAt) ?? null,
    openedAt: new Date(
      start === undefined || start === null
        ? 0
        : Number(start) * 1000 + Math.floor((raw.startTime?.nanos ?? 0) / 1e6),
    ),
    executionStatus: EXECUTION_STATUS[raw.status ?? 0] ?? 'UNSPECIFIED',
  };
}
