import { randomBytes } from 'node:crypto';
import { stackAddresses } from '@zmwatch/kit';

/** Addresses of the local stack (`infra/bin/stack up`), overridable with the same ZM_* variables as services. */
export const stack = stackAddresses();

/** A name no other test run uses, so suites can share one stack. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
