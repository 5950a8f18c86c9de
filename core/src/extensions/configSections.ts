import type { ZodType } from 'zod';
import type { HangarConfig } from '../config/configSchema.js';
import { extensionPoint } from '../kernel/refs.js';

/** A top-level config key a plugin owns (`groups`, `observability`, …) and its schema. */
export interface ConfigSection<T = unknown> {
  readonly key: string;
  readonly schema: ZodType<T>;
}

/**
 * `core.configSections` — keyed by `key`, one owner per key. Each section is validated with its
 * schema at load (errors name the file and key path); the result is in `config.sections[key]`.
 * Keys nobody owns are warned about by name and ignored.
 */
export const configSectionsExtensionPoint = extensionPoint<ConfigSection>('core.configSections', {
  // Sections are validated when the config is read, before any init.
  valuesOnly: true,
  key: (s) => s.key,
});

/**
 * The validated value of a plugin's config section, typed by its schema. An absent section is
 * validated as `{}`, so an object schema whose fields have defaults always yields a value.
 */
export function configSection<T>(config: HangarConfig, section: ConfigSection<T>): T {
  return config.sections[section.key] as T;
}
