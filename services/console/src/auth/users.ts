import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { isPasswordHash, verifyPassword } from './passwords.js';
import { ROLES, type Role } from './roles.js';

export interface User {
  /** Login name; also the actor id written to the case workflow's audit trail. */
  id: string;
  name: string;
  role: Role;
  passwordHash: string;
}

export type PublicUser = Omit<User, 'passwordHash'>;

const userSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'ids are lower-case letters, digits, . _ -'),
  name: z.string().min(1).max(120),
  role: z.enum(ROLES),
  passwordHash: z.string().refine(isPasswordHash, 'must be a scrypt$N$r$p$salt$key hash (see README)'),
});
const usersSchema = z.object({ users: z.array(userSchema).min(1) });

/** Parses the users document (`{ "users": [...] }`), naming the bad entry when it is invalid. */
export function parseUsers(json: string, source: string): User[] {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (err) {
    throw new Error(`${source}: not valid JSON (${(err as Error).message})`);
  }
  const result = usersSchema.safeParse(doc);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`${source}: ${problems}`);
  }
  const ids = new Set<string>();
  for (const u of result.data.users) {
    if (ids.has(u.id)) throw new Error(`${source}: duplicate user id ${u.id}`);
    ids.add(u.id);
  }
  return result.data.users;
}

export function loadUsersFile(path: string): User[] {
  return parseUsers(readFileSync(path, 'utf8'), path);
}

export interface UserDirectory {
  /** The user when the password matches; undefined otherwise (same work either way). */
  authenticate(id: string, password: string): Promise<PublicUser | undefined>;
  get(id: string): PublicUser | undefined;
  list(): PublicUser[];
}

// Verifying against a real hash for unknown ids keeps the response time the same, so sign-in does
// not reveal which user ids exist.
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$' + Buffer.alloc(64).toString('base64');

export function createUserDirectory(users: User[]): UserDirectory {
  const byId = new Map(users.map((u) => [u.id, u]));
  const strip = ({ passwordHash: _hash, ...rest }: User): PublicUser => rest;
  return {
    async authenticate(id, password) {
      const user = byId.get(id);
      const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
      return ok && user ? strip(user) : undefined;
    },
    get(id) {
      const u = byId.get(id);
      return u ? strip(u) : undefined;
    },
    list() {
      return [...byId.values()].map(strip);
    },
  };
}
