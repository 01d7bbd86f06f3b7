import type { IncomingMessage, ServerResponse } from 'node:http';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Named path segments, e.g. `{ vin }` for `/api/cases/:vin`. */
  params: Record<string, string>;
}

export type Handler<C> = (ctx: RouteContext & C) => Promise<void> | void;

interface Route<C> {
  method: Method;
  pattern: string;
  parts: string[];
  handler: Handler<C>;
}

export interface Match<C> {
  handler: Handler<C>;
  params: Record<string, string>;
  pattern: string;
}

/**
 * A tiny router: exact segments and `:name` parameters, nothing else. `match` tells a missing route
 * (404) from a wrong method (405) so the API can say which.
 */
export class Router<C = object> {
  private readonly routes: Route<C>[] = [];

  add(method: Method, pattern: string, handler: Handler<C>): this {
    this.routes.push({ method, pattern, parts: split(pattern), handler });
    return this;
  }

  get(pattern: string, handler: Handler<C>): this {
    return this.add('GET', pattern, handler);
  }

  post(pattern: string, handler: Handler<C>): this {
    return this.add('POST', pattern, handler);
  }

  match(method: string, path: string): Match<C> | { allowed: Method[] } | undefined {
    const segments = split(path);
    const allowed: Method[] = [];
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) {
        return { handler: route.handler, params, pattern: route.pattern };
      }
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { allowed } : undefined;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((s) => s.length > 0);
}

function matchParts(parts: string[], segments: string[]): Record<string, string> | undefined {
  if (parts.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const s = segments[i]!;
    if (p.startsWith(':')) {
      let value: string;
      try {
        value = decodeURIComponent(s);
      } catch {
        return undefined;
      }
      params[p.slice(1)] = value;
    } else if (p !== s) return undefined;
  }
  return params;
}
