import type { CaseClient, CaseState, Decision } from '@zmwatch/workflows';
import type { UserDirectory } from '../auth/users.js';
import type { Api } from '../http/api.js';
import { badRequest, notFound, UpstreamError } from '../http/http-error.js';
import { readJson, sendJson } from '../http/respond.js';
import {
  buildTimeline,
  caseParties,
  firedRules,
  revisionHistory,
  sortCases,
  summaryJson,
} from './case-views.js';
import { createRelatedCases } from './related-cases.js';
import { parseQueueRequest, parseVinParam, requireText } from './filters.js';

/** The part of the workflows' case client the console uses. */
export type CaseBackend = Pick<
  CaseClient,
  | 'listQueue'
  | 'listCases'
  | 'listBreached'
  | 'getCase'
  | 'claim'
  | 'release'
  | 'addNote'
  | 'decide'
  | 'reassign'
>;

export interface CaseRouteDeps {
  cases: () => CaseBackend;
  queues: readonly string[];
  users: UserDirectory;
}

const DECISIONS: readonly Decision[] = ['confirm', 'dismiss'];

/**
 * Analysts' and supervisors' case API. Every action passes the signed-in user as `by`, so the case
 * workflow's audit trail names who did it; the workflow's own validators have the last word (e.g.
 * only the assignee decides) and their refusals come back as 409 with the workflow's message.
 */
export function registerCaseRoutes(api: Api, deps: CaseRouteDeps): void {
  const related = createRelatedCases(deps.cases, deps.queues);
  const caseView = async (state: CaseState): Promise<Record<string, unknown>> => ({
    case: state,
    parties: caseParties(state),
    revisions: revisionHistory(state),
    timeline: buildTimeline(state),
    rules: firedRules(state),
    related: await related(state),
  });

  api.route('GET', '/api/queues', 'cases:read', ({ res }) => {
    sendJson(res, 200, { queues: deps.queues });
  });

  api.route('GET', '/api/cases', 'cases:read', async ({ res, url, session }) => {
    const q = parseQueueRequest(url.searchParams, deps.queues, session.user.id);
    const page = await deps.cases().listQueue(q.queue, q.filters, {
      pageSize: q.pageSize,
      ...(q.pageToken ? { pageToken: q.pageToken } : {}),
    });
    sendJson(res, 200, {
      queue: q.queue,
      sort: q.sort,
      cases: sortCases(page.cases, q.sort).map(summaryJson),
      nextPageToken: page.nextPageToken,
    });
  });

  api.route('GET', '/api/cases/breached', 'cases:supervise', async ({ res, url }) => {
    const pageSize = Number(url.searchParams.get('pageSize') ?? '50');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200)
      throw badRequest('pageSize must be an integer from 1 to 200');
    const token = url.searchParams.get('pageToken') ?? undefined;
    const page = await deps.cases().listBreached({}, { pageSize, ...(token ? { pageToken: token } : {}) });
    sendJson(res, 200, {
      cases: sortCases(page.cases, 'sla').map(summaryJson),
      nextPageToken: page.nextPageToken,
    });
  });

  api.route('GET', '/api/cases/:vin', 'cases:read', async ({ res, params }) => {
    const vin = parseVinParam(params.vin);
    const state = await readCase(deps.cases(), vin);
    if (!state) throw notFound(`no case for VIN ${vin}`);
    sendJson(res, 200, await caseView(state));
  });

  const act = (
    name: string,
    permission: 'cases:act' | 'cases:supervise',
    run: (backend: CaseBackend, vin: string, by: string, body: Record<string, unknown>) => Promise<CaseState>,
  ) =>
    api.route('POST', `/api/cases/:vin/${name}`, permission, async ({ req, res, params, session }) => {
      const vin = parseVinParam(params.vin);
      const body = await readJson(req);
      const state = await run(deps.cases(), vin, session.user.id, body);
      sendJson(res, 200, await caseView(state));
    });

  act('claim', 'cases:act', (c, vin, by) => c.claim(vin, { by }));
  act('release', 'cases:act', (c, vin, by) => c.release(vin, { by }));
  act('notes', 'cases:act', (c, vin, by, body) => c.addNote(vin, { by, text: requireText(body, 'text') }));
  act('decide', 'cases:act', (c, vin, by, body) => {
    const decision = body.decision;
    if (typeof decision !== 'string' || !(DECISIONS as readonly string[]).includes(decision)) {
      throw badRequest('decision must be "confirm" or "dismiss"');
    }
    return c.decide(vin, { by, decision: decision as Decision, reason: requireText(body, 'reason') });
  });
  act('reassign', 'cases:supervise', (c, vin, by, body) => {
    const to = requireText(body, 'to', 64);
    const target = deps.users.get(to);
    if (!target) throw badRequest(`unknown user "${to}"`);
    if (target.role !== 'analyst' && target.role !== 'supervisor')
      throw badRequest(`${to} is not an analyst or supervisor`);
    return c.reassign(vin, { by, to, reason: requireText(body, 'reason') });
  });

  api.route('GET', '/api/assignees', 'cases:supervise', ({ res }) => {
    sendJson(res, 200, {
      users: deps.users.list().filter((u) => u.role === 'analyst' || u.role === 'supervisor'),
    });
  });
}

/**
 * A case is read with a workflow query, which needs a case worker polling; say so rather than
 * surfacing Temporal's bare "Failed to query Workflow" (its text goes to the log, not to the user).
 */
export async function readCase(backend: CaseBackend, vin: string): Promise<CaseState | null> {
  try {
    return await backend.getCase(vin);
  } catch (err) {
    throw new UpstreamError(`could not read case-${vin} from its workflow (is the case worker running?)`, {
      cause: err,
    });
  }
}
