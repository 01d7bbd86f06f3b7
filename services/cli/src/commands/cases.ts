import { TYPOLOGIES } from '@zmwatch/schemas';
import {
  buildTimeline,
  isRingCaseId,
  isRingMembersAction,
  parseCaseKey,
  RING_MEMBERS_ACTIONS,
  sortCases,
  CaseActionRejectedError,
  type CaseSort,
  type CaseState,
  type CaseSummary,
  type QueueFilters,
  CASE_STATUSES,
  SEVERITIES,
} from '@zmwatch/workflows';
import { intOption, listOption, str, type CommandSpec, type OptionValues } from '../args.js';
import type { CommandContext } from '../context.js';
import { EXIT, NotFoundError, UsageError } from '../exit-codes.js';
import { formatDuration, formatTable } from '../table.js';

const SORTS: readonly CaseSort[] = ['sla', 'age', 'severity'];

/** A case key: a VIN, or a ring case id (`ring-<kind>-<entity id>`). */
export function caseKeyArg(raw: string): string {
  const k = parseCaseKey(raw);
  if (!k.ok) throw new UsageError(k.reason);
  return k.key;
}

export function queueFilters(values: OptionValues): QueueFilters {
  const f: QueueFilters = {};
  const severity = listOption(values, 'severity', SEVERITIES);
  if (severity) f.severity = severity;
  const status = listOption(values, 'status', CASE_STATUSES);
  if (status) f.status = status;
  // Cases holding any of these typologies (ZmTypologies).
  const typology = listOption(values, 'typology', TYPOLOGIES);
  if (typology) f.typology = typology;
  for (const [opt, key] of [
    ['destination', 'destination'],
    ['registrant', 'registrant'],
    ['jurisdiction', 'jurisdiction'],
  ] as const) {
    const v = str(values, opt);
    if (v !== undefined) f[key] = opt === 'registrant' ? v : v.toUpperCase();
  }
  const assignee = str(values, 'assignee');
  if (assignee === 'none') f.assignee = null;
  else if (assignee !== undefined) f.assignee = assignee;
  return f;
}

export function formatCaseTable(cases: readonly CaseSummary[], now = Date.now()): string {
  return formatTable(
    cases,
    [
      { header: 'case', value: (c) => c.vin },
      { header: 'kind', value: (c) => (isRingCaseId(c.vin) ? 'ring' : 'vehicle') },
      { header: 'severity', value: (c) => c.severity },
      { header: 'typology', value: (c) => (c.typologies?.length ? c.typologies.join(',') : null) },
      { header: 'status', value: (c) => c.status },
      { header: 'score', value: (c) => c.score, align: 'right' },
      { header: 'queue', value: (c) => c.queue },
      { header: 'dest', value: (c) => c.destination },
      { header: 'registrant', value: (c) => c.registrant, max: 24 },
      { header: 'assignee', value: (c) => c.assignee },
      {
        header: 'sla due',
        value: (c) => (c.slaDueAt ? formatDuration(c.slaDueAt.getTime() - now) : null),
        align: 'right',
      },
      { header: 'age', value: (c) => formatDuration(now - c.openedAt.getTime()), align: 'right' },
    ],
    '(no cases)',
  );
}

export function formatCase(state: CaseState): string {
  const lines = [
    `${state.vin}  ${state.severity}  ${state.status}  score ${state.score}  queue ${state.queue}`,
    `assignee ${state.assignee ?? '-'}  SLA due ${state.slaDueAt ?? '-'}  opened ${state.openedAt}`,
    `destination ${state.destinationCountry ?? '-'}  registrant ${state.registrantId ?? '-'}  jurisdiction ${state.jurisdiction ?? '-'}`,
  ];
  if (state.ring)
    lines.push(
      `ring case of ${state.ring.kind} ${state.ring.id}: ${state.ring.members.length} members listed, ${state.ring.memberCount} counted`,
      `members: ${state.ring.members.join(' ')}`,
    );
  const d = state.decision;
  if (d)
    lines.push(
      `decision: ${d.decision} by ${d.by} at ${d.at}: ${d.reason}${d.members ? ` (member cases: ${d.members})` : ''}${d.ringCaseId ? ` (with ring case ${d.ringCaseId})` : ''}`,
    );
  lines.push('', 'timeline:');
  for (const e of buildTimeline(state))
    lines.push(`  ${e.at}  ${e.title}${e.detail ? ` (${e.detail})` : ''}`);
  lines.push('', 'rules:');
  for (const { alert } of state.evidence)
    for (const r of alert.rules) lines.push(`  ${r.ruleId} +${r.weight}  ${r.evidence}`);
  if (state.notes.length) {
    lines.push('', 'notes:');
    for (const n of state.notes) lines.push(`  ${n.at} ${n.by}: ${n.text}`);
  }
  lines.push('', 'audit:');
  for (const a of state.audit) lines.push(`  ${a.at} ${a.by} ${a.action}${a.detail ? `: ${a.detail}` : ''}`);
  return lines.join('\n');
}

const caseJson = (c: CaseSummary) => ({
  ...c,
  slaDueAt: c.slaDueAt?.toISOString() ?? null,
  openedAt: c.openedAt.toISOString(),
});

/** Case actions report the workflow's refusal (e.g. "claim the case before deciding it") as a failure. */
async function action(
  ctx: CommandContext & { json: boolean },
  run: () => Promise<CaseState>,
): Promise<number> {
  try {
    const state = await run();
    ctx.io.out(
      ctx.json
        ? JSON.stringify(state)
        : `${state.vin}: ${state.status}, assignee ${state.assignee ?? '-'}${state.decision ? `, decided ${state.decision.decision}` : ''}`,
    );
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CaseActionRejectedError) {
      ctx.io.err(`refused: ${err.message}`);
      return EXIT.failure;
    }
    throw err;
  }
}

const actorOption = { as: { type: 'string' as const } };

export const caseCommands: CommandSpec<CommandContext>[] = [
  {
    path: ['cases', 'list'],
    summary: 'cases in a queue (or --breached), filtered and sorted',
    usage:
      '[--queue Q | --breached] [--severity S,..] [--typology T,..] [--status S,..] [--destination CC] [--registrant ID] [--jurisdiction J] [--assignee ID|none] [--sort sla|age|severity] [--limit N]',
    options: {
      queue: { type: 'string' },
      breached: { type: 'boolean', default: false },
      severity: { type: 'string' },
      typology: { type: 'string' },
      status: { type: 'string' },
      destination: { type: 'string' },
      registrant: { type: 'string' },
      jurisdiction: { type: 'string' },
      assignee: { type: 'string' },
      sort: { type: 'string' },
      limit: { type: 'string' },
    },
    async run(ctx) {
      const { values, config } = ctx;
      const filters = queueFilters(values);
      const sort = (listOption(values, 'sort', SORTS) ?? ['sla'])[0]!;
      const limit = intOption(values, 'limit', 50, 1, 1000);
      const cases = await ctx.cases();
      let page;
      if (values.breached === true) {
        const { status: _ignored, ...rest } = filters;
        page = await cases.listBreached(rest, { pageSize: limit });
      } else {
        const queue = str(values, 'queue') ?? config.queues[0]!;
        page = await cases.listQueue(queue, filters, { pageSize: limit });
      }
      const sorted = sortCases(page.cases, sort);
      ctx.io.out(
        ctx.json
          ? JSON.stringify({ cases: sorted.map(caseJson), nextPageToken: page.nextPageToken })
          : formatCaseTable(sorted),
      );
      return EXIT.ok;
    },
  },
  {
    path: ['cases', 'show'],
    summary:
      'one case (a VIN or a ring case id): timeline, rules that fired, notes, audit trail (exit 3 if there is none)',
    usage: 'VIN|RING_CASE_ID',
    positionals: { min: 1, max: 1 },
    async run(ctx) {
      const vin = caseKeyArg(ctx.positionals[0]!);
      let state: CaseState | null;
      try {
        state = await (await ctx.cases()).getCase(vin);
      } catch (err) {
        throw new Error(
          `could not read case-${vin} from its workflow (is the case worker running?): ${(err as Error).message}`,
        );
      }
      if (!state)
        throw new NotFoundError(isRingCaseId(vin) ? `no ring case ${vin}` : `no case for VIN ${vin}`);
      ctx.io.out(ctx.json ? JSON.stringify(state) : formatCase(state));
      return EXIT.ok;
    },
  },
  {
    path: ['cases', 'claim'],
    summary: 'claim a case (as --as USER, default $ZM_USER or your login)',
    usage: 'VIN|RING_CASE_ID [--as USER]',
    positionals: { min: 1, max: 1 },
    options: actorOption,
    async run(ctx) {
      const vin = caseKeyArg(ctx.positionals[0]!);
      const by = str(ctx.values, 'as') ?? ctx.config.user;
      const cases = await ctx.cases();
      return action(ctx, () => cases.claim(vin, { by }));
    },
  },
  {
    path: ['cases', 'decide'],
    summary:
      'decide a claimed case with a reason (a ring case: --members annotate|decide|none its member cases)',
    usage:
      'VIN|RING_CASE_ID --decision confirm|dismiss --reason TEXT [--members annotate|decide|none] [--as USER]',
    positionals: { min: 1, max: 1 },
    options: {
      ...actorOption,
      decision: { type: 'string' },
      reason: { type: 'string' },
      members: { type: 'string' },
    },
    async run(ctx) {
      const vin = caseKeyArg(ctx.positionals[0]!);
      const decision = str(ctx.values, 'decision');
      if (decision !== 'confirm' && decision !== 'dismiss')
        throw new UsageError('--decision must be confirm or dismiss');
      const reason = str(ctx.values, 'reason')?.trim();
      if (!reason) throw new UsageError('--reason is required');
      const members = str(ctx.values, 'members');
      if (members !== undefined && !isRingMembersAction(members))
        throw new UsageError(`--members must be one of ${RING_MEMBERS_ACTIONS.join(', ')}`);
      const by = str(ctx.values, 'as') ?? ctx.config.user;
      const cases = await ctx.cases();
      // The case refuses --members on a vehicle case (its validator's message, exit 1).
      const input = { by, decision, reason } as const;
      return action(ctx, () => cases.decide(vin, members === undefined ? input : { ...input, members }));
    },
  },
];
