import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout the code runs from (services/kit/src or dist, three levels down): where the CLI finds
 * bench/ and its run directory, and the stack manager its data. One home for both.
 */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
