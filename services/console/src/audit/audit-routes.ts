import type { Api } from '../http/api.js';
import { badRequest, HttpError } from '../http/http-error.js';
import { sendJson } from '../http/respond.js';
import { accessLogCsv, readAccessLog, type AccessLogDeps, type AccessLogQuery } from './access-log.js';

export interface AuditRouteDeps {
  log: () => AccessLogDeps | undefined;
  retentionDays: number;
}

const MAX_LIMIT = 5000;

function timeParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) throw badRequest(`${name} must be an ISO 8601 time or epoch milliseconds`);
  return ms;
}

export function queryOf(url: URL, defaultLimit: number): AccessLogQuery {
  const limitRaw = url.searchParams.get('limit');
  const limit = limitRaw === null ? defaultLimit : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    throw badRequest(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  const text = (name: string) => url.searchParams.get(name)?.trim() || undefined;
  return {
    since: timeParam(url, 'since'),
    until: timeParam(url, 'until'),
    userId: text('user'),
    subject: text('subject'),
    action: text('action')?.toUpperCase(),
    limit,
  };
}

/** The access audit for supervisors: a page of it (newest first) and its CSV export. */
export function registerAuditRoutes(api: Api, deps: AuditRouteDeps): void {
  const log = () => {
    const d = deps.log();
    if (!d) throw new HttpError(503, 'not connected to Kafka yet: the access audit is read from its topic');
    return d;
  };
  api.route('GET', '/api/audit', 'audit:read', async ({ res, url }) => {
    const page = await readAccessLog(log(), queryOf(url, 200));
    sendJson(res, 200, { ...page, retentionDays: deps.retentionDays });
  });
  api.route('GET', '/api/audit.csv', 'audit:read', async ({ res, url }) => {
    const page = await readAccessLog(log(), queryOf(url, MAX_LIMIT));
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': 'attachment; filename="zmwatch-access-audit.csv"',
      ...(page.truncated ? { 'x-zm-truncated': 'true' } : {}),
    });
    res.end(accessLogCsv(page.entries));
  });
}
