import { ConfigError } from '../errors.js';

const PATTERN = /\$(\$)?\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g;

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a parsed YAML/JSON tree with values
 * from `env`. Works on parsed values, never on raw text, so a variable's value can never inject
 * YAML structure. `$${VAR}` stays as the literal `${VAR}`. An unset variable without a default is
 * an error naming the key path, rather than a silently empty secret.
 */
export function interpolate(value: unknown, env: NodeJS.ProcessEnv, file: string, path: string[] = []): unknown {
  if (typeof value === 'string') return interpolateString(value, env, file, path);
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, env, file, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = interpolate(item, env, file, [...path, key]);
    return out;
  }
  return value;
}

function interpolateString(text: string, env: NodeJS.ProcessEnv, file: string, path: string[]): string {
  return text.replace(PATTERN, (match, escaped: string | undefined, name: string, hasDefault, fallback: string | undefined) => {
    if (escaped) return match.slice(1);
    const fromEnv = env[name];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (hasDefault !== undefined) return fallback ?? '';
    if (fromEnv !== undefined) return fromEnv;
    throw new ConfigError(
      `${file}: ${path.join('.') || '(root)'}: environment variable ${name} is not set (write \${${name}:-} for an empty default)`,
    );
  });
}
