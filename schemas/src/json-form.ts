/**
 * The JSON form of the records used by NDJSON files and `zmwatch tail`: timestamps (timestamp-millis)
 * as ISO-8601 UTC strings, optional (null-union) fields as plain `null` or the value, longs as
 * numbers, bytes as base64. Converters are compiled once per schema tree.
 */
import { getContract } from './contracts.js';
import { isTimestampMillis, type Node } from './schema-walk.js';
import type { Topic } from './topics.js';
import type { TopicRecordMap } from './generated/types.js';

type Problem = { path: string; value: unknown; message: string };
type FromJson = (json: unknown, path: string, problems: Problem[]) => unknown;
type ToJson = (value: unknown) => unknown;

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function compileToJson(node: Node, cache = new Map<Node, ToJson>()): ToJson {
  const hit = cache.get(node);
  if (hit) return hit;
  let fn: ToJson;
  switch (node.kind) {
    case 'primitive':
      if (isTimestampMillis(node)) fn = (v) => (typeof v === 'number' ? new Date(v).toISOString() : v);
      else if (node.name === 'bytes') fn = (v) => (Buffer.isBuffer(v) ? v.toString('base64') : v);
      else fn = (v) => v;
      break;
    case 'fixed':
      fn = (v) => (Buffer.isBuffer(v) ? v.toString('base64') : v);
      break;
    case 'enum':
      fn = (v) => v;
      break;
    case 'record': {
      const fields: { name: string; conv: ToJson }[] = [];
      fn = (v) => {
        if (v === null || typeof v !== 'object') return v;
        const out: Record<string, unknown> = {};
        for (const f of fields) out[f.name] = f.conv((v as Record<string, unknown>)[f.name]);
        return out;
      };
      cache.set(node, fn);
      for (const f of node.fields) fields.push({ name: f.name, conv: compileToJson(f.type, cache) });
      return fn;
    }
    case 'array': {
      const items = compileToJson(node.items, cache);
      fn = (v) => (Array.isArray(v) ? v.map(items) : v);
      break;
    }
    case 'map': {
      const values = compileToJson(node.values, cache);
      fn = (v) => {
        if (v === null || typeof v !== 'object') return v;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = values(x);
        return out;
      };
      break;
    }
    case 'union': {
      const branches = node.branches.filter((b) => !(b.kind === 'primitive' && b.name === 'null'));
      const inner = branches.length === 1 ? compileToJson(branches[0]!, cache) : (v: unknown) => v;
      fn = (v) => (v === null || v === undefined ? null : inner(v));
      break;
    }
  }
  cache.set(node, fn);
  return fn;
}

function compileFromJson(node: Node, cache = new Map<Node, FromJson>()): FromJson {
  const hit = cache.get(node);
  if (hit) return hit;
  let fn: FromJson;
  switch (node.kind) {
    case 'primitive':
      if (isTimestampMillis(node)) {
        fn = (j, path, problems) => {
          if (typeof j === 'string' && ISO_8601.test(j)) {
            const ms = Date.parse(j);
            if (!Number.isNaN(ms)) return ms;
          }
          problems.push({
            path,
            value: j,
            message: 'expected an ISO-8601 timestamp with zone, e.g. 2026-03-01T08:00:00Z',
          });
          return j;
        };
      } else if (node.name === 'bytes') {
        fn = (j) => (typeof j === 'string' ? Buffer.from(j, 'base64') : j);
      } else fn = (j) => j;
      break;
    case 'fixed':
      fn = (j) => (typeof j === 'string' ? Buffer.from(j, 'base64') : j);
      break;
    case 'enum':
      fn = (j) => j;
      break;
    case 'record': {
      const fields: { name: string; conv: FromJson; hasDefault: boolean; defaultValue: unknown }[] = [];
      const names = new Set(node.fields.map((f) => f.name));
      fn = (j, path, problems) => {
        if (j === null || typeof j !== 'object' || Array.isArray(j)) {
          problems.push({ path, value: j, message: `expected an object (${node.name})` });
          return j;
        }
        const src = j as Record<string, unknown>;
        for (const k of Object.keys(src)) {
          if (!names.has(k)) problems.push({ path: join(path, k), value: src[k], message: 'unknown field' });
        }
        const out: Record<string, unknown> = {};
        for (const f of fields) {
          const p = join(path, f.name);
          if (!(f.name in src) || src[f.name] === undefined) {
            if (f.hasDefault) out[f.name] = structuredClone(f.defaultValue);
            else problems.push({ path: p, value: undefined, message: 'missing required field' });
            continue;
          }
          out[f.name] = f.conv(src[f.name], p, problems);
        }
        return out;
      };
      cache.set(node, fn);
      for (const f of node.fields) {
        fields.push({
          name: f.name,
          conv: compileFromJson(f.type, cache),
          hasDefault: f.hasDefault,
          defaultValue: f.defaultValue,
        });
      }
      return fn;
    }
    case 'array': {
      const items = compileFromJson(node.items, cache);
      fn = (j, path, problems) =>
        Array.isArray(j) ? j.map((x, i) => items(x, join(path, String(i)), problems)) : j;
      break;
    }
    case 'map': {
      const values = compileFromJson(node.values, cache);
      fn = (j, path, problems) => {
        if (j === null || typeof j !== 'object' || Array.isArray(j)) return j;
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(j)) out[k] = values(x, join(path, k), problems);
        return out;
      };
      break;
    }
    case 'union': {
      const branches = node.branches.filter((b) => !(b.kind === 'primitive' && b.name === 'null'));
      const inner = branches.length === 1 ? compileFromJson(branches[0]!, cache) : (j: unknown) => j;
      fn = (j, path, problems) => (j === null ? null : inner(j, path, problems));
      break;
    }
  }
  cache.set(node, fn);
  return fn;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

const toJsonByTopic = new Map<Topic, ToJson>();
const fromJsonByTopic = new Map<Topic, FromJson>();

/** JSON form of a record of `topic` (timestamps as ISO strings). */
export function toJsonForm<T extends Topic>(topic: T, record: TopicRecordMap[T]): Record<string, unknown> {
  let fn = toJsonByTopic.get(topic);
  if (!fn) toJsonByTopic.set(topic, (fn = compileToJson(getContract(topic).node)));
  return fn(record) as Record<string, unknown>;
}

/**
 * Converts the JSON form back to a record of `topic` (ISO strings to epoch ms, missing fields that
 * have a schema default take it). Returns the conversion problems; the caller validates the result.
 */
export function fromJsonForm(topic: Topic, json: unknown): { value: unknown; problems: Problem[] } {
  let fn = fromJsonByTopic.get(topic);
  if (!fn) fromJsonByTopic.set(topic, (fn = compileFromJson(getContract(topic).node)));
  const problems: Problem[] = [];
  const value = fn(json, '', problems);
  return { value, problems };
}
