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
 *
 * Kernel keys are the kernel's (contributing `mcp_servers`, `tool_naming`, … fails the boot),
 * except the sections it shares (`SHARED_KERNEL_SECTIONS`): a plugin may own `auth`, and then
 * validates every key under it but `enabled`, which the kernel keeps reading (its authorizer
 * switch and the non-loopback boot check). The plugin's schema sees the section without
 * `enabled`; `config.auth` is `{ enabled }`, `config.sections.auth` the plugin's part. Without
 * such a plugin, keys under `auth` other than `enabled` are warned about as unknown.
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
