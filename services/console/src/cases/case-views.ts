import type { CaseSummary } from '@zmwatch/workflows';

/** The case views moved to @zmwatch/workflows (the CLI uses them too); re-exported for the console. */
export {
  buildTimeline,
  caseParties,
  revisionHistory,
  firedRules,
  sortCases,
  findRelatedCases,
  type CaseSort,
  type CaseParty,
  type RevisionEntry,
  type FiredRule,
  type RelatedCases,
  type TimelineEntry,
} from '@zmwatch/workflows';

/** The JSON shape of a queue row (dates as ISO strings). */
export function summaryJson(c: CaseSummary): Record<string, unknown> {
  return {
    ...c,
    slaDueAt: c.slaDueAt ? c.slaDueAt.toISOString() : null,
    openedAt: c.openedAt.toISOString(),
  };
}
