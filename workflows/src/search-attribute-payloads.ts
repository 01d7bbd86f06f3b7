/**
 * Typed search attributes to and from the payloads of Temporal's gRPC API, with only the SDK's public
 * exports (its own converter lives in `@temporalio/common/lib/…`, which is not a public entry point).
 * The case client needs both directions because it calls the raw service: `listWorkflowExecutions`
 * (for page tokens) and `signalWithStartWorkflowExecution` (whose response says whether a run started).
 *
 * The format: each attribute is a JSON payload (`json/plain`) whose metadata `type` names the
 * attribute's type (`Keyword`, `Int`, `Datetime`, …); Datetime values are ISO strings; servers before
 * 1.18 wrap single values in an array.
 */
import {
  defaultPayloadConverter,
  SearchAttributeType,
  TypedSearchAttributes,
  type Payload,
  type SearchAttributePair,
} from '@temporalio/common';

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder();

function isValidValue(type: SearchAttributeType, value: unknown): boolean {
  switch (type) {
    case SearchAttributeType.TEXT:
    case SearchAttributeType.KEYWORD:
      return typeof value === 'string';
    case SearchAttributeType.INT:
      return Number.isInteger(value);
    case SearchAttributeType.DOUBLE:
      return typeof value === 'number';
    case SearchAttributeType.BOOL:
      return typeof value === 'boolean';
    case SearchAttributeType.DATETIME:
      return value instanceof Date && !Number.isNaN(value.getTime());
    case SearchAttributeType.KEYWORD_LIST:
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
    default:
      return false;
  }
}

/** The `indexedFields` of a request's search attributes. */
export function encodeSearchAttributes(pairs: readonly SearchAttributePair[]): Record<string, Payload> {
  const out: Record<string, Payload> = {};
  for (const { key, value } of pairs) {
    if (!isValidValue(key.type, value))
      throw new TypeError(`invalid value ${String(value)} for search attribute ${key.name} (${key.type})`);
    const payload = defaultPayloadConverter.toPayload(value);
    payload.metadata = {
      ...payload.metadata,
      type: utf8.encode(TypedSearchAttributes.toMetadataType(key.type)),
    };
    out[key.name] = payload;
  }
  return out;
}

/** A response's `indexedFields` as typed search attributes; fields without a known type are skipped. */
export function decodeSearchAttributes(
  indexedFields: Record<string, Payload> | null | undefined,
): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [];
  for (const [name, payload] of Object.entries(indexedFields ?? {})) {
    const rawType = payload.metadata?.type;
    if (!rawType) continue;
    const type = TypedSearchAttributes.toSearchAttributeType(fromUtf8.decode(rawType));
    if (type === undefined) continue;
    let value: unknown = defaultPayloadConverter.fromPayload(payload);
    if (type !== SearchAttributeType.KEYWORD_LIST && Array.isArray(value)) {
      if (value.length !== 1) continue;
      value = value[0];
    }
    if (type === SearchAttributeType.DATETIME && typeof value === 'string') value = new Date(value);
    if (isValidValue(type, value)) pairs.push({ key: { name, type }, value } as SearchAttributePair);
  }
  return new TypedSearchAttributes(pairs);
}
