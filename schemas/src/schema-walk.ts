/**
 * Minimal walker over Avro schema JSON (as parsed from `.avsc`): resolves named-type references and
 * namespaces so code generation and the JSON (NDJSON) form can be derived from the schema files.
 */

export type AvroSchemaJson = string | AvroSchemaObject | AvroSchemaJson[];

export interface AvroSchemaObject {
  type: AvroSchemaJson;
  name?: string;
  namespace?: string;
  doc?: string;
  fields?: AvroFieldJson[];
  symbols?: string[];
  default?: unknown;
  items?: AvroSchemaJson;
  values?: AvroSchemaJson;
  logicalType?: string;
  size?: number;
  aliases?: string[];
}

export interface AvroFieldJson {
  name: string;
  type: AvroSchemaJson;
  doc?: string;
  default?: unknown;
}

export const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);

/** Normalised view of a schema node with named references resolved. */
export type Node =
  | { kind: 'primitive'; name: string; logicalType?: string | undefined }
  | { kind: 'record'; fullName: string; name: string; doc?: string | undefined; fields: FieldNode[] }
  | {
      kind: 'enum';
      fullName: string;
      name: string;
      doc?: string | undefined;
      symbols: string[];
      default?: string | undefined;
    }
  | { kind: 'fixed'; fullName: string; name: string; size: number }
  | { kind: 'array'; items: Node }
  | { kind: 'map'; values: Node }
  | { kind: 'union'; branches: Node[] };

export interface FieldNode {
  name: string;
  doc?: string | undefined;
  hasDefault: boolean;
  defaultValue?: unknown;
  type: Node;
}

function qualify(name: string, namespace: string | undefined): string {
  if (name.includes('.')) return name;
  return namespace ? `${namespace}.${name}` : name;
}

/**
 * Resolves a schema into a {@link Node} tree. Named types are shared objects (a second reference
 * returns the same node), so recursion through them must track visited names.
 */
export function resolveSchema(schema: AvroSchemaJson): Node {
  const named = new Map<string, Node>();

  const visit = (s: AvroSchemaJson, ns: string | undefined): Node => {
    if (Array.isArray(s)) return { kind: 'union', branches: s.map((b) => visit(b, ns)) };
    if (typeof s === 'string') {
      if (PRIMITIVES.has(s)) return { kind: 'primitive', name: s };
      const ref = named.get(qualify(s, ns)) ?? named.get(s);
      if (!ref) throw new Error(`unknown Avro type reference: ${s}`);
      return ref;
    }
    const t = s.type;
    if (typeof t !== 'string') return visit(t, ns);
    switch (t) {
      case 'record':
      case 'error': {
        const fullName = qualify(s.name ?? '', s.namespace ?? ns);
        const childNs = fullName.includes('.') ? fullName.slice(0, fullName.lastIndexOf('.')) : undefined;
        const node: Node = { kind: 'record', fullName, name: shortName(fullName), doc: s.doc, fields: [] };
        named.set(fullName, node);
        for (const f of s.fields ?? []) {
          node.fields.push({
            name: f.name,
            doc: f.doc,
            hasDefault: Object.prototype.hasOwnProperty.call(f, 'default'),
            defaultValue: f.default,
            type: visit(f.type, childNs),
          });
        }
        return node;
      }
      case 'enum': {
        const fullName = qualify(s.name ?? '', s.namespace ?? ns);
        const node: Node = {
          kind: 'enum',
          fullName,
          name: shortName(fullName),
          doc: s.doc,
          symbols: [...(s.symbols ?? [])],
          default: typeof s.default === 'string' ? s.default : undefined,
        };
        named.set(fullName, node);
        return node;
      }
      case 'fixed': {
        const fullName = qualify(s.name ?? '', s.namespace ?? ns);
        const node: Node = { kind: 'fixed', fullName, name: shortName(fullName), size: s.size ?? 0 };
        named.set(fullName, node);
        return node;
      }
      case 'array':
        return { kind: 'array', items: visit(s.items ?? 'null', ns) };
      case 'map':
        return { kind: 'map', values: visit(s.values ?? 'null', ns) };
      default:
        if (PRIMITIVES.has(t)) return { kind: 'primitive', name: t, logicalType: s.logicalType };
        return visit(t, ns);
    }
  };
  return visit(schema, undefined);
}

export function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

export function isTimestampMillis(node: Node): boolean {
  return node.kind === 'primitive' && node.name === 'long' && node.logicalType === 'timestamp-millis';
}
