import {
  CASE_STATUSES,
  isRingCaseId,
  isSafeFilterValue,
  MAX_ENTITY_ID_LENGTH,
  ringCaseIdFor,
  type CaseSummary,
} from '@zmwatch/workflows';
import type { Api } from '../http/api.js';
import { badRequest, notFound } from '../http/http-error.js';
import { sendJson } from '../http/respond.js';
import type { CaseBackend } from '../cases/case-routes.js';
import { readCase } from '../cases/case-routes.js';
import { casesByKey } from '../cases/cases-by-key.js';
import { summaryJson } from '../cases/case-views.js';
import { parseVinParam } from '../cases/filters.js';
import {
  entitiesOfCase,
  isEntityKind,
  networkVehicles,
  type EntityKind,
  type NetworkEntity,
} from './case-network.js';

export interface NetworkRouteDeps {
  cases: () => CaseBackend;
  queues: readonly string[];
}

/** Cases looked up per entity page at most (one visibility page). */
const MAX_ENTITY_MEMBERS = 500;

const casesOf = (deps: NetworkRouteDeps, keys: readonly string[]): Promise<Map<string, CaseSummary>> =>
  casesByKey(deps.cases(), deps.queues, keys);

const vehicleJson = (vin: string, c: CaseSummary | undefined) => ({
  vin,
  case: c ? summaryJson(c) : null,
});

/** Visibility filters that find an entity's cases by the search attributes the case workflow sets. */
function entityFilter(kind: EntityKind, id: string) {
  switch (kind) {
    case 'EXPORTER':
      return { exporter: id };
    case 'REGISTRANT':
      return { firstRegistrant: id };
    case 'TRANSFEREE':
      return { registrant: id };
    case 'COHORT':
      return undefined; // no search attribute holds the registration day: members come from evidence
  }
}

/**
 * The network view's data (`GET /api/cases/:vin/network`) and entity pages (`GET
 * /api/entities/:kind/:id?from=<VIN>`). Both read the case's alerts for the entity evidence and look
 * up every member's case in one visibility query, so each vehicle can be coloured by its case.
 */
export function registerNetworkRoutes(api: Api, deps: NetworkRouteDeps): void {
  api.route('GET', '/api/cases/:vin/network', 'cases:read', async ({ res, params }) => {
    const vin = parseVinParam(params.vin);
    const state = (await readCase(deps.cases(), vin))?.state;
    if (!state) throw notFound(`no case for VIN ${vin}`);
    const entities = entitiesOfCase(state);
    const { vins, capped } = networkVehicles(vin, entities);
    const cases = await casesOf(deps, vins);
    sendJson(res, 200, {
      center: vin,
      entities,
      vehicles: vins.map((v) => vehicleJson(v, cases.get(v))),
      capped,
    });
  });

  api.route('GET', '/api/entities/:kind/:id', 'cases:read', async ({ res, params, url }) => {
    const kind = (params.kind ?? '').toUpperCase();
    if (!isEntityKind(kind))
      throw badRequest(`entity kind must be one of registrant, transferee, exporter, cohort`);
    const id = params.id ?? '';
    if (id === '' || id.length > MAX_ENTITY_ID_LENGTH || !isSafeFilterValue(id))
      throw badRequest('not an entity id');
    const fromRaw = url.searchParams.get('from');
    let evidence: NetworkEntity | undefined;
    if (fromRaw) {
      const state = (await readCase(deps.cases(), parseVinParam(fromRaw)))?.state;
      evidence = state ? entitiesOfCase(state).find((e) => e.kind === kind && e.id === id) : undefined;
    }
    const members = new Set(evidence?.members ?? []);
    const filter = entityFilter(kind, id);
    if (filter) {
      const page = await deps
        .cases()
        .listCases(deps.queues, { ...filter, status: [...CASE_STATUSES] }, { pageSize: MAX_ENTITY_MEMBERS });
      // A ring case carries its latest member's parties too: it is the entity's case, not a member.
      for (const c of page.cases) if (!isRingCaseId(c.caseId)) members.add(c.vin);
    }
    const vins = [...members].sort().slice(0, MAX_ENTITY_MEMBERS);
    // The entity's ring case (opened once its members reached the ring threshold), in the same lookup.
    const ringId = ringCaseIdFor({ kind, id });
    const cases = await casesOf(deps, [...vins, ringId]);
    const ring = cases.get(ringId);
    const withCase = vins.filter((v) => cases.has(v));
    const countBy = (key: 'status' | 'severity') => {
      const out: Record<string, number> = {};
      for (const v of withCase) {
        const k = cases.get(v)![key] ?? 'unknown';
        out[k] = (out[k] ?? 0) + 1;
      }
      return out;
    };
    const opened = withCase.map((v) => cases.get(v)!.openedAt.getTime()).sort((a, b) => a - b);
    sendJson(res, 200, {
      kind,
      id,
      memberCount: evidence?.memberCount ?? null,
      windowDays: evidence?.windowDays ?? null,
      truncated: evidence?.truncated ?? false,
      rules: evidence?.rules ?? [],
      members: vins.map((v) => vehicleJson(v, cases.get(v))),
      counts: {
        members: vins.length,
        withCase: withCase.length,
        byStatus: countBy('status'),
        bySeverity: countBy('severity'),
      },
      ringCase: ring ? summaryJson(ring) : null,
      firstOpenedAt: opened.length ? new Date(opened[0]!).toISOString() : null,
      lastOpenedAt: opened.length ? new Date(opened[opened.length - 1]!).toISOString() : null,
    });
  });
}
