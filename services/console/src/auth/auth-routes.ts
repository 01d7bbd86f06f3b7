import type { Logger } from '@zmwatch/kit';
import type { Api } from '../http/api.js';
import { clientAddress } from '../http/client-address.js';
import { HttpError } from '../http/http-error.js';
import { readJson, sendJson } from '../http/respond.js';
import { permissionsOf } from './roles.js';
import { assertSameOriginWithToken } from '../http/api.js';
import type { LoginThrottle, Lockout } from './login-throttle.js';
import type { Session, SessionStore } from './sessions.js';
import type { UserDirectory } from './users.js';

const sessionJson = (s: Session) => ({
  user: s.user,
  permissions: permissionsOf(s.user.role),
  csrfToken: s.csrfToken,
});

export interface AuthRouteDeps {
  sessions: SessionStore;
  users: UserDirectory;
  throttle: LoginThrottle;
  /** Trusted reverse proxies in front (see clientAddress). */
  proxyHops: number;
  logger: Logger;
  /** Counts each lock (the console's zm_console_login_lockouts_total). */
  onLockout?: (lock: Lockout) => void;
}

/** Retry-After in whole seconds, never 0 (a client told 0 would retry at once and be refused again). */
const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * Sign-in takes JSON only: a cross-site HTML form cannot send application/json, and a cross-site
 * script cannot either without a CORS preflight this server never answers, so login CSRF is covered.
 * Failed sign-ins are throttled per user name and per client address (login-throttle.ts): a locked
 * key gets 429 with Retry-After before any password is checked, and each lock is logged once as
 * `event: "login.lockout"` with the user name and address (never the password).
 */
export function registerAuthRoutes(api: Api, deps: AuthRouteDeps): void {
  const { sessions, users, throttle, logger } = deps;
  api.open('POST', '/api/login', async ({ req, res }) => {
    const body = await readJson(req);
    const username = typeof body.username === 'string' ? body.username.trim().toLowerCase() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!username || !password) throw new HttpError(400, 'username and password are required');
    const address = clientAddress(req, deps.proxyHops);
    const wait = throttle.retryAfterMs(username, address);
    if (wait > 0) {
      const seconds = retryAfterSeconds(wait);
      res.setHeader('retry-after', String(seconds));
      throw new HttpError(429, `too many failed sign-ins: try again in ${seconds} s`);
    }
    const attempt = throttle.begin(username, address);
    const user = await users.authenticate(username, password).catch((err: unknown) => {
      attempt.failed(); // settle the attempt so its provisional lock gets its real length
      throw err;
    });
    if (!user) {
      for (const lock of attempt.failed()) {
        deps.onLockout?.(lock);
        logger.warn(
          {
            event: 'login.lockout',
            scope: lock.scope,
            user: username,
            address,
            failures: lock.failures,
            retryAfterSeconds: retryAfterSeconds(lock.lockedForMs),
          },
          `sign-in locked for this ${lock.scope === 'user' ? 'user name' : 'client address'} after repeated failures`,
        );
      }
      throw new HttpError(401, 'wrong username or password');
    }
    attempt.succeeded();
    const session = sessions.create(user);
    res.setHeader('set-cookie', sessions.cookie(session));
    sendJson(res, 200, sessionJson(session));
  });

  api.open('POST', '/api/logout', ({ req, res, session }) => {
    if (session) {
      assertSameOriginWithToken(req, session);
      sessions.destroy(session.id);
    }
    res.setHeader('set-cookie', sessions.clearCookie());
    sendJson(res, 200, { signedOut: true });
  });

  api.open('GET', '/api/session', ({ res, session }) => {
    if (!session) throw new HttpError(401, 'sign in first');
    sendJson(res, 200, sessionJson(session));
  });
}
