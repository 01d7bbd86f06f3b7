import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { searchAttributes } from './components/temporal.js';

const run = promisify(execFile);

/** `KeywordList` (search-attributes.yaml) → `INDEXED_VALUE_TYPE_KEYWORD_LIST` (what the server lists). */
export const indexedValueType = (type: string): string =>
  `INDEXED_VALUE_TYPE_${type.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;

export interface SearchAttributePlan {
  /** Declared and absent from the server: to register. */
  missing: Array<[name: string, type: string]>;
  /** Declared and registered with the declared type. */
  verified: string[];
  /** Registered with another type (a type cannot change: the workflows' upserts would fail). */
  conflicts: string[];
}

/** What the server's custom attributes (`operator search-attribute list --output json`) lack of `wanted`. */
export function planSearchAttributes(
  wanted: Record<string, string>,
  registered: Record<string, string>,
): SearchAttributePlan {
  const plan: SearchAttributePlan = { missing: [], verified: [], conflicts: [] };
  for (const [name, type] of Object.entries(wanted)) {
    const has = registered[name];
    if (has === undefined) plan.missing.push([name, type]);
    else if (has === indexedValueType(type)) plan.verified.push(name);
    else plan.conflicts.push(`${name} is ${has}, declared ${type}`);
  }
  return plan;
}

/**
 * Registers on a running Temporal server the search attributes of infra/temporal/search-attributes.yaml
 * it lacks. The dev server registers them when it starts (`--search-attribute`); one already running
 * when an attribute was added (a shared stack, reused by `stack up`) would otherwise fail every case
 * workflow task that upserts it and every signal-with-start that presets it.
 */
export async function ensureSearchAttributes(bin: string, address: string): Promise<string> {
  const cli = (args: string[]) => run(bin, [...args, '--address', address, '--command-timeout', '10s']);
  const { stdout } = await cli(['operator', 'search-attribute', 'list', '--output', 'json']);
  const listed = JSON.parse(stdout) as { customAttributes?: Record<string, string> };
  const plan = planSearchAttributes(searchAttributes(), listed.customAttributes ?? {});
  if (plan.conflicts.length > 0)
    throw new Error(
      `Temporal at ${address}: ${plan.conflicts.join('; ')} (infra/temporal/search-attributes.yaml); a registered type cannot change`,
    );
  for (const [name, type] of plan.missing)
    await cli(['operator', 'search-attribute', 'create', '--name', name, '--type', type]);
  const created = plan.missing.map(([name]) => name);
  return `search attributes: ${created.length} registered${created.length ? ` (${created.join(', ')})` : ''}, ${plan.verified.length} verified`;
}
