import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HttpError } from '../src/http/http-error.js';
import { createPageTokens, FORGED_PAGE_TOKEN, withSignedPageTokens } from '../src/http/page-tokens.js';
import type { CaseBackend } from '../src/cases/case-routes.js';

const refused = (err: unknown) =>
  err instanceof HttpError && err.status === 400 && err.message === FORGED_PAGE_TOKEN;

test('a page token opens only for the listing it was signed for, and only unaltered', () => {
  const tokens = createPageTokens();
  const raw = Buffer.from('temporal-token-bytes').toString('base64url');
  const signed = tokens.sign(raw, 'queue:standard');
  assert.match(signed, /^[\w-]+$/, 'fits the filters alphabet and the UI\'s "." separator');
  assert.equal(tokens.open(signed, 'queue:standard'), raw);
  assert.throws(() => tokens.open(signed, 'queue:priority'), refused, 'another listing');
  assert.throws(() => tokens.open(raw, 'queue:standard'), refused, 'an unsigned Temporal token');
  const flipped = (signed[5] === 'A' ? 'B' : 'A') + '';
  assert.throws(() => tokens.open(signed.slice(0, 5) + flipped + signed.slice(6), 'queue:standard'), refused);
  assert.throws(() => tokens.open('AAAA', 'queue:standard'), refused, 'too short');
  assert.throws(() => createPageTokens().open(signed, 'queue:standard'), refused, 'another key (a restart)');
  const shared = Buffer.alloc(32, 7);
  assert.equal(
    createPageTokens(shared).open(createPageTokens(shared).sign(raw, 's'), 's'),
    raw,
    "replicas with one ZM_CONSOLE_PAGE_TOKEN_SECRET accept each other's tokens",
  );
});

test('the signed backend hands Temporal its own token and the browser a signed one, bound to the filters', async () => {
  const seen: Array<string | undefined> = [];
  const inner = {
    listQueue: async (_q: string, _f: unknown, paging?: { pageToken?: string }) => {
      seen.push(paging?.pageToken);
      return { cases: [], nextPageToken: 'bmV4dA' };
    },
    listBreached: async () => ({ cases: [], nextPageToken: null }),
  } as unknown as CaseBackend;
  const backend = withSignedPageTokens(inner, createPageTokens());
  const first = await backend.listQueue('standard', { severity: ['HIGH'] }, { pageSize: 5 });
  assert.notEqual(first.nextPageToken, 'bmV4dA');
  await backend.listQueue('standard', { severity: ['HIGH'] }, { pageToken: first.nextPageToken! });
  assert.deepEqual(seen, [undefined, 'bmV4dA']);
  await assert.rejects(
    backend.listQueue('standard', { severity: ['LOW'] }, { pageToken: first.nextPageToken! }),
    refused,
    'the filters changed',
  );
  assert.equal((await backend.listBreached({}, {})).nextPageToken, null);
});
