import { TYPOLOGIES } from '@zmwatch/schemas';
import { CASE_STATUSES, OPEN_CASE_STATUSES, SEVERITIES } from '@zmwatch/workflows';
import type { Api } from '../http/api.js';
import { sendJson } from '../http/respond.js';

/**
 * The vocabulary the browser UI filters and labels by, served from its one home (the workflows
 * package) so the page scripts keep no copies. Severities highest first, as the UI lists them.
 */
export const consoleMeta = {
  severities: [...SEVERITIES].reverse(),
  caseStatuses: [...CASE_STATUSES],
  openCaseStatuses: [...OPEN_CASE_STATUSES],
  typologies: [...TYPOLOGIES],
};

export function registerMetaRoutes(api: Api): void {
  api.open('GET', '/api/meta', ({ res }) => sendJson(res, 200, consoleMeta));
}
