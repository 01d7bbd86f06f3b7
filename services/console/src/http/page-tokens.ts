import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isGrpcServiceError } from '@temporalio/client';
import type { Paging, QueueFilters } from '@zmwatch/workflows';
import type { CaseBackend } from '../cases/case-routes.js';
import { badRequest } from './http-error.js';

const MAC_BYTES = 16;
export const FORGED_PAGE_TOKEN = 'pageToken is not a token this console issued for this listing';
export const STALE_PAGE_TOKEN = 'pageToken is no longer valid: open the first page again';

/**
 * Page tokens handed to browsers are Temporal's visibility tokens with an HMAC over the listing they
 * belong to (queue and filters) in front, base64url. A token the console did not issue, or one
 * issued for another listing, is refused with a 400 before Temporal sees it: Temporal answers a
 * forged token with an opaque internal error, which must not reach users as a 500 with its text.
 * The key is random per process unless `ZM_CONSOLE_PAGE_TOKEN_SECRET` gives one (replicas share it).
 */
export interface PageTokens {
  sign(raw: string, scope: string): string;
  /** Temporal's token, or a 400 naming the parameter. */
  open(token: string, scope: string): string;
}

export function createPageTokens(secret: Buffer = randomBytes(32)): PageTokens {
  const mac = (scope: string, raw: Buffer) =>
    createHmac('sha256', secret).update(scope).update('\u0000').update(raw).digest().subarray(0, MAC_BYTES);
  return {
    sign(raw, scope) {
      const body = Buffer.from(raw, 'base64url');
      return Buffer.concat([mac(scope, body), body]).toString('base64url');
    },
    open(token, scope) {
      const bytes = Buffer.from(token, 'base64url');
      if (bytes.length <= MAC_BYTES || bytes.toString('base64url') !== token)
        throw badRequest(FORGED_PAGE_TOKEN);
      const body = bytes.subarray(MAC_BYTES);
      if (!timingSafeEqual(bytes.subarray(0, MAC_BYTES), mac(scope, body)))
        throw badRequest(FORGED_PAGE_TOKEN);
      return body.toString('base64url');
    },
  };
}

const scopeOf = (kind: string, filters: QueueFilters | undefined) =>
  `${kind}\u0000${JSON.stringify(filters ?? {})}`;

/**
 * The case backend with signed page tokens: listings open the token they are given and sign the next.
 * A token that passes the MAC but that Temporal still rejects (e.g. signed before its visibility
 * store changed) is a 400 too, never its error text.
 */
export function withSignedPageTokens(backend: CaseBackend, tokens: PageTokens): CaseBackend {
  const page = async (
    scope: string,
    paging: Paging | undefined,
    list: (p: Paging | undefined) => ReturnType<CaseBackend['listQueue']>,
  ) => {
    const given = paging?.pageToken;
    const inner = given === undefined ? paging : { ...paging, pageToken: tokens.open(given, scope) };
    let result: Awaited<ReturnType<CaseBackend['listQueue']>>;
    try {
      result = await list(inner);
    } catch (err) {
      // Temporal answers a token it cannot read with UNKNOWN or INVALID_ARGUMENT.
      if (given !== undefined && isGrpcServiceError(err) && (err.code === 2 || err.code === 3))
        throw badRequest(STALE_PAGE_TOKEN);
      throw err;
    }
    const next = result.nextPageToken;
    return { ...result, nextPageToken: next === null ? null : tokens.sign(next, scope) };
  };
  return {
    ...backend,
    listQueue: (queue, filters, paging) =>
      page(scopeOf(`queue:${queue}`, filters), paging, (p) => backend.listQueue(queue, filters, p)),
    listBreached: (filters, paging) =>
      page(scopeOf('breached', filters), paging, (p) => backend.listBreached(filters, p)),
  };
}
