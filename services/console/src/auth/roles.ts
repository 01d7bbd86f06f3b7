/**
 * Who may do what, checked on the server for every API call (the UI only hides what the API would
 * refuse anyway).
 */
export const ROLES = ['analyst', 'supervisor', 'ops', 'customs'] as const;
export type Role = (typeof ROLES)[number];

export type Permission =
  | 'cases:read' // queues, case pages, related cases
  | 'cases:act' // claim, release, note, decide (as the signed-in user)
  | 'cases:supervise' // breached-SLA view, reassign
  | 'alerts:read' // live alert feed
  | 'insights:read' // the Insights page: figures per month, jurisdiction, entity
  | 'ops:read' // lag, throughput, dead letters
  | 'ops:write' // replay dead letters
  | 'audit:read'; // the access audit: who viewed which case or entity, who exported what

const GRANTS: Record<Role, readonly Permission[]> = {
  analyst: ['cases:read', 'cases:act', 'alerts:read', 'insights:read'],
  supervisor: [
    'cases:read',
    'cases:act',
    'cases:supervise',
    'alerts:read',
    'insights:read',
    'ops:read',
    'audit:read',
  ],
  ops: ['ops:read', 'ops:write', 'alerts:read'],
  customs: ['cases:read', 'alerts:read'],
};

export function can(role: Role, permission: Permission): boolean {
  return GRANTS[role].includes(permission);
}

export function permissionsOf(role: Role): Permission[] {
  return [...GRANTS[role]];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
