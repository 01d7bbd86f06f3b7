import type { IncomingMessage } from 'node:http';
import { can, type Permission } from '../auth/roles.js';
import { csrfTokenMatches, type Session, type SessionStore } from '../auth/sessions.js';
import type { AccessAudit } from '../audit/access-audit.js';
import { auditedRoute } from '../audit/audited-routes.js';
import { HttpError } from './http-error.js';
import { Router, type Method, type RouteContext } from './router.js';

export interface ApiContext {
  session: Session;
}

export type ApiHandler = (ctx: RouteContext & ApiContext) => Promise<void> | void;

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Routes of the JSON API, each declared with the permission it needs. The checks run in this order
 * for every call: a live session (401), the role's permission (403), and for state-changing methods
 * the same-origin check and the CSRF token (403), so nothing reaches a handler unauthenticated.
 */
export class Api {
  readonly router = new Router<{ session?: Session }>();
  /** Where audited routes (audit/audited-routes.ts) record a served access; unset: not recorded. */
  audit: AccessAudit | undefined;

  constructor(private readonly sessions: SessionStore) {}

  /** A route that needs no session (sign-in, the session probe). */
  open(
    method: Method,
    pattern: string,
    handler: (ctx: RouteContext & { session?: Session }) => Promise<void> | void,
  ): this {
    this.router.add(method, pattern, (ctx) => {
      const session = this.sessions.fromRequest(ctx.req);
      return handler(session ? { ...ctx, session } : ctx);
    });
    return this;
  }

  route(method: Method, pattern: string, permission: Permission, handler: ApiHandler): this {
    const audited = auditedRoute(method, pattern);
    this.router.add(method, pattern, async (ctx) => {
      const session = this.sessions.fromRequest(ctx.req);
      if (!session) throw new HttpError(401, 'sign in first');
      if (!can(session.user.role, permission)) {
        throw new HttpError(403, `the ${session.user.role} role may not do this (needs ${permission})`);
      }
      if (STATE_CHANGING.has(method)) assertSameOriginWithToken(ctx.req, session);
      await handler({ ...ctx, session });
      // Only what was served is an access: refusals and failures throw before this line.
      if (audited && this.audit && ctx.res.statusCode < 400)
        this.audit.record(session, ctx.req, ctx.url, audited(ctx.params, ctx.url));
    });
    return this;
  }
}

/**
 * CSRF defence for state-changing calls: a synchronizer token in `x-csrf-token` (a cross-site form
 * cannot set headers, and the token is only readable by our own pages), plus an Origin check when the
 * browser sends one. The SameSite=Strict cookie is a third layer.
 */
export function assertSameOriginWithToken(req: IncomingMessage, session: Session): void {
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== req.headers.host) throw new HttpError(403, 'cross-origin request refused');
  }
  if (!csrfTokenMatches(session, req))
    throw new HttpError(403, 'missing or invalid CSRF token (x-csrf-token)');
}
