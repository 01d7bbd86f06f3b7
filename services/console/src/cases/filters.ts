import {
  CASE_STATUSES,
  isSafeFilterValue,
  parseCaseKey,
  SEVERITIES,
  type QueueFilters,
} from '@zmwatch/workflows';
import { normalizeVin, TYPOLOGIES, validateVin } from '@zmwatch/schemas';
import { badRequest } from '../http/http-error.js';
import type { CaseSort } from './case-views.js';

const SORTS: readonly CaseSort[] = ['sla', 'age', 'severity'];

function list<T extends string>(
  raw: string | null,
  allowed: readonly T[],
  name: string,
  upper = false,
): T[] | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const values = raw
    .split(',')
    .map((v) => (upper ? v.trim().toUpperCase() : v.trim()))
    .filter(Boolean);
  for (const v of values) {
    if (!(allowed as readonly string[]).includes(v)) {
      throw badRequest(`unknown ${name} "${v}" (expected ${allowed.join(', ')})`);
    }
  }
  return values as T[];
}

function safe(raw: string | null, name: string): string | undefined {
  if (raw === null || raw.trim() === '') return undefined;
  const v = raw.trim();
  if (!isSafeFilterValue(v)) throw badRequest(`${name} may only contain letters, digits and . _ @ : + -`);
  return v;
}

export interface QueueRequest {
  queue: string;
  filters: QueueFilters;
  sort: CaseSort;
  pageSize: number;
  pageToken: string | undefined;
}

/** Validates a queue listing's query string; every bad parameter is a 400 naming it. */
export function parseQueueRequest(
  params: URLSearchParams,
  queues: readonly string[],
  me: string,
): QueueRequest {
  const queue = params.get('queue') ?? queues[0]!;
  if (!queues.includes(queue)) throw badRequest(`unknown queue "${queue}" (expected ${queues.join(', ')})`);
  const filters: QueueFilters = {};
  const severity = list(params.get('severity'), SEVERITIES, 'severity', true);
  if (severity) filters.severity = severity;
  const status = list(params.get('status'), CASE_STATUSES, 'status');
  if (status) filters.status = status;
  const destination = params.get('destination')?.trim();
  if (destination) {
    if (!/^[A-Za-z]{2}$/.test(destination))
      throw badRequest('destination must be an ISO 3166-1 alpha-2 code, e.g. RU');
    filters.destination = destination.toUpperCase();
  }
  const registrant = safe(params.get('registrant'), 'registrant');
  if (registrant) filters.registrant = registrant;
  const exporter = safe(params.get('exporter'), 'exporter');
  if (exporter) filters.exporter = exporter;
  const jurisdiction = safe(params.get('jurisdiction'), 'jurisdiction');
  if (jurisdiction) filters.jurisdiction = jurisdiction.toUpperCase();
  // Any of a comma list (ZmTypologies): the cases that hold at least one of them.
  const typology = list(params.get('typology'), TYPOLOGIES, 'typology', true);
  if (typology) filters.typology = typology;
  const assignee = params.get('assignee')?.trim();
  if (assignee === 'me') filters.assignee = me;
  else if (assignee === 'none') filters.assignee = null;
  else if (assignee) filters.assignee = safe(assignee, 'assignee')!;
  const sortRaw = params.get('sort') ?? 'sla';
  if (!(SORTS as readonly string[]).includes(sortRaw))
    throw badRequest(`unknown sort "${sortRaw}" (expected ${SORTS.join(', ')})`);
  const sizeRaw = params.get('pageSize') ?? '25';
  const pageSize = Number(sizeRaw);
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200)
    throw badRequest('pageSize must be an integer from 1 to 200');
  const pageToken = params.get('pageToken') ?? undefined;
  if (pageToken !== undefined && !/^[\w-]{1,4096}$/.test(pageToken))
    throw badRequest('pageToken is not a token this API issued');
  return { queue, filters, sort: sortRaw as CaseSort, pageSize, pageToken };
}

/** The VIN of a `/api/cases/:vin` path, normalised; 400 when it is not a VIN. */
export function parseVinParam(raw: string | undefined): string {
  const v = validateVin(normalizeVin(raw ?? ''));
  if (!v.ok) throw badRequest(`not a VIN: ${v.reason}`);
  return v.vin;
}

/** A case key in a URL: a VIN, or a ring case id (`ring-<kind>-<entity id>`). */
export function parseCaseKeyParam(raw: string | undefined): string {
  const k = parseCaseKey(raw ?? '');
  if (!k.ok) throw badRequest(k.reason);
  return k.key;
}

export function requireText(body: Record<string, unknown>, field: string, max = 4000): string {
  const v = body[field];
  if (typeof v !== 'string' || v.trim() === '') throw badRequest(`${field} is required`);
  if (v.length > max) throw badRequest(`${field} is longer than ${max} characters`);
  return v.trim();
}
