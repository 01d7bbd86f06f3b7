import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { PublicUser } from './users.js';

export const SESSION_COOKIE = 'zm_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface Session {
  id: string;
  user: PublicUser;
  /** Synchronizer token: the UI reads it from /api/session and echoes it in `x-csrf-token`. */
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
}

export interface SessionStore {
  /** A new session; evicts the user's oldest beyond the per-user cap and the least recently used beyond the total cap. */
  create(user: PublicUser): Session;
  /** The live session for a request's cookie (sliding idle expiry), or undefined. */
  fromRequest(req: IncomingMessage): Session | undefined;
  destroy(id: string): void;
  cookie(session: Session): string;
  clearCookie(): string;
  size(): number;
  /** Live sessions of one user (tests, the cap's proof). */
  countOf(userId: string): number;
}

export interface SessionOptions {
  idleTimeoutMs: number;
  absoluteTimeoutMs: number;
  /** Add `Secure` to the cookie (behind TLS). */
  secureCookie: boolean;
  /** Live sessions one user may hold; signing in again evicts the oldest. */
  maxPerUser: number;
  /** Live sessions held at most (memory bound); beyond it the least recently used is evicted. */
  maxTotal: number;
  now?: () => number;
}

const token = () => randomBytes(32).toString('base64url');

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    const value = part.slice(i + 1).trim();
    if (name && !(name in out)) out[name] = value;
  }
  return out;
}

/**
 * Sessions live in memory: the id is 256 random bits (nothing to forge or sign), a restart signs
 * everyone out, which is acceptable for an internal console run as one instance. Both caps bound the
 * memory a stolen password or a login loop can take: 2,000 sign-ins of one user leave `maxPerUser`.
 */
export function createSessionStore(opts: SessionOptions): SessionStore {
  const now = opts.now ?? Date.now;
  // Map order is least recently used first: a session is re-inserted whenever it is used.
  const sessions = new Map<string, Session>();

  const expired = (s: Session, t: number) =>
    t - s.lastSeenAt > opts.idleTimeoutMs || t - s.createdAt > opts.absoluteTimeoutMs;

  const sweep = () => {
    const t = now();
    for (const [id, s] of sessions) if (expired(s, t)) sessions.delete(id);
  };

  const attrs = () => `Path=/; HttpOnly; SameSite=Strict${opts.secureCookie ? '; Secure' : ''}`;

  return {
    create(user) {
      const mine = [...sessions.values()].filter((s) => s.user.id === user.id);
      mine.sort((a, b) => a.createdAt - b.createdAt);
      for (const old of mine.slice(0, Math.max(0, mine.length - opts.maxPerUser + 1)))
        sessions.delete(old.id);
      if (sessions.size >= opts.maxTotal) sweep();
      while (sessions.size >= opts.maxTotal) sessions.delete(sessions.keys().next().value!);
      const t = now();
      const s: Session = { id: token(), user, csrfToken: token(), createdAt: t, lastSeenAt: t };
      sessions.set(s.id, s);
      return s;
    },
    fromRequest(req) {
      const id = parseCookies(req.headers.cookie)[SESSION_COOKIE];
      if (!id) return undefined;
      const s = sessions.get(id);
      if (!s) return undefined;
      const t = now();
      if (expired(s, t)) {
        sessions.delete(id);
        return undefined;
      }
      s.lastSeenAt = t;
      sessions.delete(id);
      sessions.set(id, s);
      return s;
    },
    destroy(id) {
      sessions.delete(id);
    },
    cookie(s) {
      return `${SESSION_COOKIE}=${s.id}; ${attrs()}; Max-Age=${Math.floor(opts.absoluteTimeoutMs / 1000)}`;
    },
    clearCookie() {
      return `${SESSION_COOKIE}=; ${attrs()}; Max-Age=0`;
    },
    size() {
      return sessions.size;
    },
    countOf(userId) {
      let n = 0;
      for (const s of sessions.values()) if (s.user.id === userId) n++;
      return n;
    },
  };
}

/** Constant-time check of the `x-csrf-token` header against the session's token. */
export function csrfTokenMatches(session: Session, req: IncomingMessage): boolean {
  const sent = req.headers[CSRF_HEADER];
  if (typeof sent !== 'string' || sent.length === 0) return false;
  const a = Buffer.from(sent);
  const b = Buffer.from(session.csrfToken);
  return a.length === b.length && timingSafeEqual(a, b);
}
