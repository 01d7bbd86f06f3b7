import { get } from './api.js';

let meta;

/**
 * Severities (highest first), case statuses and open statuses from the server (/api/meta: their one
 * home is @zmwatch/workflows), fetched once per page load; a failed fetch is retried next time.
 */
export function getMeta() {
  meta ??= get('/api/meta').catch((err) => {
    meta = undefined;
    throw err;
  });
  return meta;
}
