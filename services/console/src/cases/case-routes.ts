import {
  isRingCaseId,
  isRingMembersAction,
  RING_MEMBERS_ACTIONS,
  summaryRead,
  type CasePage,
  type CaseRead,
  type CaseState,
  type CaseSummary,
  type Decision,
} from '@zmwatch/workflows';
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
import type { CaseBackend } from './case-backend.js';
import {
  createListingCache,
  LISTING_CACHE_DEFAULTS,
  PROJECTION_LISTING_FRESH_MS,
  type Listed,
} from './listing-cache.js';
import { createRelatedCases, RELATED_WAIT_MS } from './related-cases.js';
import { parseCaseKeyParam, parseQueueRequest, requireText } from './filters.js';
import { ringView } from './ring-view.js';

export type { CaseBackend };

export interface CaseRouteDeps {
  cases: () => CaseBackend;
  queues: readonly string[];
  users: UserDirectory;
}

const DECISIONS: readonly Decision[] = ['confirm', 'dismiss'];

const noCase = (key: string) =>
  notFound(isRingCaseId(key) ? `no ring case ${key}` : `no case for VIN ${key}`);

/**
 * Analysts' and supervisors' case API. Every action passes the signed-in user as `by`, so the case
 * workflow's audit trail names who did it; the workflow's own validators have the last word (e.g.
 * only the assignee decides) and their refusals come back as 409 with the workflow's message.
 */
export function registerCaseRoutes(api: Api, deps: CaseRouteDeps): void {
  const related = createRelatedCases(deps.cases, deps.queues);
  const listings = createListingCache<CasePage>({
    ...LISTING_CACHE_DEFAULTS,
    freshMsOf: (page) =>
      page.source === 'projection' ? PROJECTION_LISTING_FRESH_MS : LISTING_CACHE_DEFAULTS.freshMs,
  });
  /**
   * A case page's body. `related` is null when its listings (the projection's relation sets, or
   * visibility without Redis) did not answer within RELATED_WAIT_MS: the page then asks
   * `/api/cases/:vin/related` on its own, so a slow store never holds up the case itself. `freshness` says whether what is shown may be behind.
   */
  const caseView = async (state: CaseState, read?: CaseRead): Promise<Record<string, unknown>> => ({
    case: state,
    // A ring case: its entity and members with their cases (and no related cases of its own).
    ...(state.ring ? { ring: await ringView(deps.cases(), deps.queues, state.ring) } : {}),
    freshness: read
      ? { source: read.source, stale: read.stale, asOf: read.asOf, note: read.note }
      : { source: 'workflow', stale: false, asOf: null, note: null },
    parties: caseParties(state),
    revisions: revisionHistory(state),
    timeline: buildTimeline(state),
    rules: firedRules(state),
    related: state.ring ? null : await related.within(state, RELATED_WAIT_MS),
  });
  const listingJson = (listed: Listed<CasePage>) => ({
    stale: listed.stale,
    asOf: new Date(listed.at).toISOString(),
  });

  api.route('GET', '/api/queues', 'cases:read', ({ res }) => {
    sendJson(res, 200, { queues: deps.queues });
  });

  api.route('GET', '/api/cases', 'cases:read', async ({ res, url, session }) => {
    const q = parseQueueRequest(url.searchParams, deps.queues, session.user.id);
    const paging = { pageSize: q.pageSize, ...(q.pageToken ? { pageToken: q.pageToken } : {}) };
    const key = JSON.stringify(['queue', q.queue, q.filters, paging]);
    const listed = await listings(key, () => deps.cases().listQueue(q.queue, q.filters, paging));
    sendJson(res, 200, {
      queue: q.queue,
      sort: q.sort,
      cases: sortCases(listed.value.cases, q.sort).map(summaryJson),
      nextPageToken: listed.value.nextPageToken,
      ...listingJson(listed),
    });
  });

  api.route('GET', '/api/cases/breached', 'cases:supervise', async ({ res, url }) => {
    const pageSize = Number(url.searchParams.get('pageSize') ?? '50');
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200)
      throw badRequest('pageSize must be an integer from 1 to 200');
    const token = url.searchParams.get('pageToken') ?? undefined;
    const paging = { pageSize, ...(token ? { pageToken: token } : {}) };
    const listed = await listings(JSON.stringify(['breached', paging]), () =>
      deps.cases().listBreached({}, paging),
    );
    sendJson(res, 200, {
      cases: sortCases(listed.value.cases, 'sla').map(summaryJson),
      nextPageToken: listed.value.nextPageToken,
      ...listingJson(listed),
    });
  });

  // `:vin` is a case key: a VIN or a ring case id.
  api.route('GET', '/api/cases/:vin', 'cases:read', async ({ res, params }) => {
    const vin = parseCaseKeyParam(params.vin);
    const read = await readCase(deps.cases(), vin).catch((err: unknown) => {
      // Neither the projection nor Temporal answered in time: the row of the queue listing the
      // analyst opened the case from, if this console listed it.
      const row = listedRow(vin);
      if (row) return summaryRead(row.summary, new Date(row.at));
      throw err;
    });
    if (!read) throw noCase(vin);
    sendJson(res, 200, await caseView(read.state, read));
  });

  /** The newest queue row this console listed for the VIN. */
  function listedRow(vin: string): { summary: CaseSummary; at: number } | undefined {
    for (const { value, at } of listings.held()) {
      const summary = value.cases.find((c) => c.vin === vin);
      if (summary) return { summary, at };
    }
    return undefined;
  }

  // The related cases of a page whose load did not wait for them (`related: null`).
  api.route('GET', '/api/cases/:vin/related', 'cases:read', async ({ res, params }) => {
    const vin = parseCaseKeyParam(params.vin);
    const read = await readCase(deps.cases(), vin);
    if (!read) throw noCase(vin);
    sendJson(res, 200, { related: await related(read.state) });
  });

  const act = (
    name: string,
    permission: 'cases:act' | 'cases:supervise',
    run: (backend: CaseBackend, vin: string, by: string, body: Record<string, unknown>) => Promise<CaseState>,
  ) =>
    api.route('POST', `/api/cases/:vin/${name}`, permission, async ({ req, res, params, session }) => {
      const vin = parseCaseKeyParam(params.vin);
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
    const members = body.members;
    if (members !== undefined && !isRingMembersAction(members))
      throw badRequest(`members must be one of ${RING_MEMBERS_ACTIONS.join(', ')}`);
    const input = { by, decision: decision as Decision, reason: requireText(body, 'reason') };
    // The ring case's validator refuses `members` on a vehicle case (409 with its message).
    return c.decide(vin, members === undefined ? input : { ...input, members });
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
 * A case is read from the case worker's projection, else from its workflow (readCase in
 * @zmwatch/workflows); only when neither that nor Temporal answers is it an error. Say so rather than
 * surfacing Temporal's bare "Failed to query Workflow" (its text goes to the log, not to the user).
 */
export async function readCase(backend: CaseBackend, vin: string): Promise<CaseRead | null> {
  try {
    return await backend.readCase(vin);
  } catch (err) {
    throw new UpstreamError(
      `could not read case-${vin}: no projection of it, and neither Temporal nor its workflow answered in time (are Temporal and the case worker running?)`,
      { cause: err },
    );
  }
}
