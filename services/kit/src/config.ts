import { z } from 'zod';
import { ConfigError } from './errors.js';
import { DEFAULT_PORTS } from './ports.js';

/**
 * Validate an environment once, at start, and fail with a message that names every bad variable.
 * Services define a zod object whose keys are the variable names and map it to their config type.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

/** Common variable shapes, so every service spells them the same way. */
export const envVars = {
  brokers: z
    .string()
    .default(`127.0.0.1:${DEFAULT_PORTS.kafka}`)
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .refine((a) => a.length > 0, 'needs at least one host:port'),
  port: (def: number) => z.coerce.number().int().min(0).max(65535).default(def),
  positiveInt: (def: number) => z.coerce.number().int().positive().default(def),
  /** A flag: `true`/`1` or `false`/`0` (anything else is refused); unset means `def`. */
  bool: (def: boolean) =>
    z
      .enum(['true', 'false', '1', '0'])
      .default(def ? 'true' : 'false')
      .transform((v) => v === 'true' || v === '1'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  temporalAddress: z.string().default(`127.0.0.1:${DEFAULT_PORTS.temporal}`),
  /**
   * ZM_SCHEMA_REGISTRY_URL: a Confluent-compatible Schema Registry (e.g. Apicurio's
   * `/apis/ccompat/v7`). Unset or empty: the embedded catalog. Every service of one deployment must
   * agree, since the ids written differ between the two (see schemas/README.md).
   */
  schemaRegistryUrl: z.preprocess((v) => (v === '' ? undefined : v), z.string().url().optional()),
};
