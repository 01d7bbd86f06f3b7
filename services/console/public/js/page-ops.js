import { get, post } from './api.js';
import { badge, h, mount, table, toast } from './dom.js';
import { dateTime, duration, num } from './format.js';

const REFRESH_MS = 3000;

/** Ops: consumer lag per group/partition with Burrow-style status, throughput, dead letters, feed health. */
export async function renderOps(view, ctx) {
  const lagBox = h('div', { 'data-testid': 'lag' });
  const feedsBox = h('div', { 'data-testid': 'feeds' });
  const topicsBox = h('div');
  const dlqBox = h('div');
  const lettersBox = h('div', { 'data-testid': 'letters' });
  const updated = h('span', { class: 'muted' });
  let selectedDlq = ctx.params.get('dlq');
  const expanded = new Set();
  let stopped = false;

  mount(
    view,
    h('div', { class: 'page-head' }, h('h1', {}, 'Operations'), updated),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Consumer lag'),
      h(
        'p',
        { class: 'muted small' },
        'Status per group in the manner of Burrow: OK, WARN (lag grows every sample while consuming), STALLED (offset not moving with lag), STOPPED (no consumer, lag waiting).',
      ),
      lagBox,
    ),
    h(
      'div',
      { class: 'columns' },
      h('section', { class: 'card' }, h('h2', {}, 'Throughput'), topicsBox),
      h('section', { class: 'card' }, h('h2', {}, 'Dead letters'), dlqBox),
    ),
    h('section', { class: 'card hidden', 'data-testid': 'letters-card' }, lettersBox),
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'page-head' },
        h('h2', {}, 'Feed health'),
        h(
          'button',
          {
            type: 'button',
            class: 'small',
            onclick: () => refreshFeeds(true).catch((err) => toast(err.message, 'error')),
          },
          'Check now',
        ),
      ),
      h(
        'p',
        { class: 'muted small' },
        'The newest records of each input topic checked against the feed contract (key = normalised VIN, murmur2 partitioning, known schema ids, valid VINs, values in range). Re-routed: records the detector has sent through the repartition topic because a producer placed or keyed them otherwise (same as zmwatch feeds check).',
      ),
      feedsBox,
    ),
  );

  async function refresh() {
    const [lag, dlq] = await Promise.all([get('/api/ops/lag'), get('/api/ops/dlq')]);
    updated.textContent = `sampled ${dateTime(new Date(lag.at).toISOString())} · refreshes every ${REFRESH_MS / 1000} s`;
    mount(
      lagBox,
      lag.groups.length
        ? lag.groups.map((g) => groupCard(g, lag.at))
        : h('p', { class: 'muted' }, 'No consumer group has committed offsets yet.'),
    );
    mount(
      topicsBox,
      table(
        ['Topic', 'Partitions', 'Records/s', 'Retained'],
        lag.topics.map((t) =>
          h(
            'tr',
            {},
            h('td', { class: 'mono small' }, t.topic),
            h('td', { class: 'num' }, t.partitions),
            h('td', { class: 'num' }, t.perSecond === null ? '—' : t.perSecond.toFixed(1)),
            h('td', { class: 'num' }, num(t.retained)),
          ),
        ),
        { class: 'grid compact' },
      ),
    );
    mount(
      dlqBox,
      table(
        ['Dead-letter topic', 'Letters', ''],
        dlq.topics.map((t) =>
          h(
            'tr',
            { class: t.count > 0 ? 'has-letters' : '' },
            h('td', { class: 'mono small' }, t.topic),
            h('td', { class: 'num' }, num(t.count)),
            h(
              'td',
              {},
              t.count > 0
                ? h(
                    'button',
                    { type: 'button', class: 'small', onclick: () => void showLetters(t.topic) },
                    'Inspect',
                  )
                : '',
            ),
          ),
        ),
        { class: 'grid compact', empty: 'No dead-letter topics.' },
      ),
    );
  }

  async function refreshFeeds(now = false) {
    const f = await get(`/api/ops/feeds${now ? '?refresh=1' : ''}`);
    const rerouted = (topic) => f.reroutes.find((r) => r.topic === topic);
    const counted = (x) => (x.count ? `${num(x.count)} (${(x.share * 100).toFixed(1)}%)` : '0');
    const aheadDays = f.report.topics[0] ? f.report.topics[0].skew.thresholdMs / 86_400_000 : null;
    mount(
      feedsBox,
      h(
        'p',
        { class: 'small' },
        `Checked ${dateTime(new Date(f.at).toISOString())} · newest ${num(f.samplePerTopic)} records per topic`,
      ),
      f.missing.length
        ? h(
            'p',
            { class: 'small', 'data-testid': 'feeds-missing' },
            `Missing topics: ${f.missing.join(', ')}`,
          )
        : null,
      table(
        [
          'Topic',
          'Sampled',
          'Wrong partition',
          'Key not VIN',
          'No key',
          'Schema ids',
          'Undecodable',
          'Invalid VINs',
          'Out of range',
          aheadDays === null ? 'Ahead' : `Ahead > ${aheadDays} d`,
          'Re-routed',
        ],
        f.report.topics.map((t) => {
          const r = rerouted(t.topic);
          return h(
            'tr',
            { class: t.problems.length ? 'has-problems' : '', 'data-topic': t.topic },
            h('td', { class: 'mono small' }, t.topic),
            h('td', { class: 'num' }, num(t.sampled)),
            h(
              'td',
              { class: 'num', 'data-testid': 'wrong-partition' },
              counted(t.wrongPartition),
              t.wrongPartition.likelyPartitioner === 'crc32'
                ? h('div', { class: 'muted small' }, 'fits CRC32')
                : null,
            ),
            h('td', { class: 'num' }, counted(t.keyNotVin)),
            h('td', { class: 'num' }, counted(t.noKey)),
            h(
              'td',
              { class: 'small' },
              t.schemaIds.map((id) => `${id.id} ${id.source} ×${num(id.count)}`).join(', ') || '—',
            ),
            h('td', { class: 'num' }, counted(t.undecodable)),
            h('td', { class: 'num' }, counted(t.invalidVins)),
            h('td', { class: 'num' }, counted(t.outOfRange)),
            h(
              'td',
              {
                class: 'num',
                title: `event time more than ${t.skew.thresholdMs / 86_400_000} days after arrival; max ${duration(t.skew.ahead?.max)} ahead`,
              },
              num(t.skew.aheadBeyondThreshold),
            ),
            h(
              'td',
              { class: 'num', 'data-testid': 'rerouted', title: r?.repartitionTopic ?? '' },
              r?.records === null || r === undefined ? '—' : num(r.records),
            ),
          );
        }),
        { class: 'grid compact', empty: 'No input topic to check.' },
      ),
      f.report.problems.length
        ? h(
            'ul',
            { class: 'problems', 'data-testid': 'feed-problems' },
            f.report.problems.map((p) => h('li', { class: 'small' }, p)),
          )
        : h(
            'p',
            { class: 'muted small', 'data-testid': 'feed-problems' },
            'No problems: the sampled records keep the feed contract.',
          ),
    );
  }

  function groupCard(g, at) {
    const open = expanded.has(g.groupId);
    return h(
      'div',
      { class: `group s-${g.status.toLowerCase()}`, 'data-group': g.groupId },
      h(
        'div',
        { class: 'group-head' },
        h('span', { 'data-testid': 'group-status' }, badge(g.status)),
        h('strong', { class: 'mono' }, g.groupId),
        h('span', { class: 'muted' }, `${g.state} · ${g.members} member${g.members === 1 ? '' : 's'}`),
        h('span', { class: 'metric' }, 'lag ', h('strong', { 'data-testid': 'group-lag' }, num(g.totalLag))),
        h('span', { class: 'metric' }, 'oldest ', h('strong', {}, duration(g.maxTimeLagMs))),
        h(
          'button',
          {
            type: 'button',
            class: 'small',
            onclick: () => {
              if (open) expanded.delete(g.groupId);
              else expanded.add(g.groupId);
              void refresh();
            },
          },
          open ? 'Hide partitions' : 'Partitions',
        ),
      ),
      h(
        'div',
        { class: 'charts' },
        h('img', {
          src: `/api/ops/lag/${encodeURIComponent(g.groupId)}/chart.svg?metric=lag&at=${at}`,
          alt: `offset lag of ${g.groupId} over time`,
          width: 640,
          height: 220,
        }),
        h('img', {
          src: `/api/ops/lag/${encodeURIComponent(g.groupId)}/chart.svg?metric=time&at=${at}`,
          alt: `time lag of ${g.groupId} over time`,
          width: 640,
          height: 220,
        }),
      ),
      open
        ? table(
            ['Topic', 'Partition', 'Committed', 'Log end', 'Lag', 'Time lag', 'Status', 'Why'],
            g.partitions.map((p) =>
              h(
                'tr',
                {},
                h('td', { class: 'mono small' }, p.topic),
                h('td', { class: 'num' }, p.partition),
                h('td', { class: 'num' }, num(p.committed)),
                h('td', { class: 'num' }, num(p.high)),
                h('td', { class: 'num' }, num(p.lag)),
                h('td', {}, duration(p.timeLagMs)),
                h('td', {}, badge(p.status)),
                h('td', { class: 'small' }, p.reason),
              ),
            ),
            { class: 'grid compact' },
          )
        : null,
    );
  }

  async function showLetters(topic) {
    selectedDlq = topic;
    lettersBox.parentElement?.classList.remove('hidden');
    const { letters } = await get(`/api/ops/dlq/${encodeURIComponent(topic)}/letters?limit=50`);
    const checks = [];
    const rows = letters.map((l) => {
      const box = h('input', {
        type: 'checkbox',
        value: `${l.partition}:${l.offset}`,
        disabled: !ctx.can('ops:write'),
      });
      checks.push(box);
      return h(
        'tr',
        {},
        h('td', {}, box),
        h('td', { class: 'num' }, `${l.partition}@${l.offset}`),
        h('td', {}, dateTime(l.failedAt ?? l.timestamp)),
        h('td', { class: 'mono small' }, l.key ?? '—'),
        h('td', {}, badge(l.errorClass, 'error'), h('div', { class: 'small' }, l.errorMessage)),
        h(
          'td',
          { class: 'small' },
          l.source ? `${l.source.topic}[${l.source.partition}]@${l.source.offset}` : '—',
          l.service ? h('div', { class: 'muted' }, l.service) : null,
        ),
        h(
          'td',
          { class: 'small' },
          'error' in l.decoded
            ? h('span', { class: 'muted' }, `undecodable: ${l.decoded.error}`)
            : h(
                'details',
                {},
                h('summary', {}, `${l.decoded.topic} (schema ${l.decoded.schemaId})`),
                h('pre', {}, JSON.stringify(l.decoded.value, null, 2)),
              ),
        ),
      );
    });
    const replay = h(
      'button',
      {
        type: 'button',
        class: 'primary',
        disabled: !ctx.can('ops:write'),
        onclick: async () => {
          const chosen = checks.filter((c) => c.checked).map((c) => c.value.split(':'));
          if (!chosen.length) return toast('Choose the dead letters to replay first.', 'error');
          try {
            const r = await post(`/api/ops/dlq/${encodeURIComponent(topic)}/replay`, {
              letters: chosen.map(([p, o]) => ({ partition: Number(p), offset: o })),
            });
            const failed = r.results.filter((x) => !x.ok);
            toast(
              `Replayed ${r.replayed} to ${topic.replace(/\.dlq$/, '')}${failed.length ? `; ${failed.length} failed: ${failed[0].error}` : ''}`,
              failed.length ? 'error' : 'ok',
            );
          } catch (err) {
            toast(err.message, 'error');
          }
        },
      },
      'Replay selected to source topic',
    );
    mount(
      lettersBox,
      h('div', { class: 'page-head' }, h('h2', {}, `Newest dead letters in ${topic}`), replay),
      h(
        'p',
        { class: 'muted small' },
        'Replay after the fix is deployed: the original key, value and headers go back to the source topic (zm-dlq-* headers removed).',
      ),
      table(['', 'Offset', 'Failed', 'Key', 'Error', 'Source', 'Record'], rows, {
        class: 'grid compact',
        empty: 'No dead letters.',
      }),
    );
  }

  const loop = async () => {
    while (!stopped) {
      try {
        // The server reuses a feed check for a while, so asking on every refresh is cheap.
        await Promise.all([refresh(), refreshFeeds()]);
      } catch (err) {
        toast(err.message, 'error');
      }
      await new Promise((r) => setTimeout(r, REFRESH_MS));
    }
  };
  void loop();
  if (selectedDlq) void showLetters(selectedDlq);
  return () => {
    stopped = true;
  };
}
