import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Router } from '../src/http/router.js';
import { RingBuffer } from '../src/alerts/ring-buffer.js';
import { parseQueueRequest, parseVinParam } from '../src/cases/filters.js';
import { parseReplayRefs } from '../src/ops/ops-routes.js';

test('the router matches parameters and tells 405 from 404', () => {
  const r = new Router();
  const h = () => undefined;
  r.get('/api/cases/:vin', h).post('/api/cases/:vin/claim', h);
  const m = r.match('GET', '/api/cases/LGXC%2041');
  assert.ok(m && 'handler' in m);
  assert.deepEqual(m.params, { vin: 'LGXC 41' });
  assert.deepEqual(r.match('DELETE', '/api/cases/X'), { allowed: ['GET'] });
  assert.equal(r.match('GET', '/api/nothing'), undefined);
  assert.equal(r.match('GET', '/api/cases/%E0%A4%A'), undefined, 'bad escapes do not match');
});

test('the ring buffer keeps the newest items in order', () => {
  const b = new RingBuffer<number>(3);
  assert.deepEqual(b.toArray(), []);
  for (let i = 1; i <= 5; i++) b.push(i);
  assert.deepEqual(b.toArray(), [3, 4, 5]);
  assert.equal(b.size, 3);
  assert.throws(() => new RingBuffer(0), RangeError);
});

test('queue requests are validated parameter by parameter', () => {
  const queues = ['priority', 'standard'];
  const ok = parseQueueRequest(
    new URLSearchParams(
      'queue=standard&severity=high,CRITICAL&destination=ru&exporter=EXP-42&typology=ring_or_trader&assignee=me&sort=age&pageSize=10',
    ),
    queues,
    'ana',
  );
  assert.deepEqual(ok.filters, {
    severity: ['HIGH', 'CRITICAL'],
    destination: 'RU',
    exporter: 'EXP-42',
    typology: ['RING_OR_TRADER'],
    assignee: 'ana',
  });
  assert.equal(ok.sort, 'age');
  assert.equal(ok.pageSize, 10);
  assert.equal(parseQueueRequest(new URLSearchParams(''), queues, 'ana').queue, 'priority');
  assert.equal(parseQueueRequest(new URLSearchParams('assignee=none'), queues, 'ana').filters.assignee, null);
  const bad: Array<[string, RegExp]> = [
    ['queue=vip', /unknown queue "vip"/],
    ['severity=URGENT', /unknown severity "URGENT"/],
    ['status=closed', /unknown status "closed"/],
    ['destination=RUS', /alpha-2/],
    ["registrant=x' OR 1=1", /registrant may only contain/],
    ['exporter=EXP"42', /exporter may only contain/],
    [
      'typology=STRAW_BUYER',
      /unknown typology "STRAW_BUYER" \(expected ZERO_MILEAGE, RING_OR_TRADER, COMPLIANCE_BREACH\)/,
    ],
    ['sort=random', /unknown sort/],
    ['pageSize=0', /pageSize/],
  ];
  for (const [qs, msg] of bad) {
    assert.throws(
      () => parseQueueRequest(new URLSearchParams(qs), queues, 'ana'),
      (err: Error & { status?: number }) => {
        assert.equal(err.status, 400, qs);
        assert.match(err.message, msg);
        return true;
      },
    );
  }
});

test('VIN parameters are normalised and validated', () => {
  assert.equal(parseVinParam(' lgxc74c47s0000001 '), 'LGXC74C47S0000001');
  assert.throws(() => parseVinParam('SHORT'), /not a VIN: VIN must be 17 characters/);
  assert.throws(() => parseVinParam('LGXC74C47S000000O'), /not a VIN/);
});

test('replay references must be partition/offset pairs', () => {
  assert.deepEqual(
    parseReplayRefs([
      { partition: 0, offset: 5 },
      { partition: 1, offset: '7' },
    ]),
    [
      { partition: 0, offset: '5' },
      { partition: 1, offset: '7' },
    ],
  );
  assert.throws(() => parseReplayRefs([]), /non-empty/);
  assert.throws(() => parseReplayRefs([{ partition: -1, offset: 1 }]), /letters\[0\]\.partition/);
  assert.throws(() => parseReplayRefs([{ partition: 0, offset: 'x' }]), /letters\[0\]\.offset/);
});
