import type { Api } from '../http/api.js';
import { HttpError } from '../http/http-error.js';
import { readJson, sendJson } from '../http/respond.js';
import { permissionsOf } from './roles.js';
import { assertSameOriginWithToken } from '../http/api.js';
import type { Session, SessionStore } from './sessions.js';
import type { UserDirectory } from './users.js';

const sessionJson = (s: Session) => ({
  user: s.user,
  permissions: permissionsOf(s.user.role),
  csrfToken: s.csrfToken,
});

/**
 * Sign-in takes JSON only: a cross-site HTML form cannot send application/json, and a cross-site
 * script cannot either without a CORS preflight this server never answers, so login CSRF is covered.
 */
export function registerAuthRoutes(api: Api, sessions: SessionStore, users: UserDirectory): void {
  api.open('POST', '/api/login', async ({ req, res }) => {
    const body = await readJson(req);
    const username = typeof body.username === 'string' ? body.username.trim().toLowerCase() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!username || !password) throw new HttpError(400, 'username and password are required');
    const user = await users.authenticate(username, password);
    if (!user) throw new HttpError(401, 'wrong username or password');
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
