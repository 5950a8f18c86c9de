import { extensionPoint } from '../kernel/refs.js';

/** Migrates one event type's payload from `fromVersion` to `fromVersion + 1`. Pure. */
export interface Upcaster {
  readonly eventType: string;
  readonly fromVersion: number;
  upcast(data: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

/**
 * `core.upcasters` — keyed by `eventType@fromVersion`. Applied on read only, in version order,
 * one step at a time (sequential); a missing step is an `UpcastingError`.
 */
export const upcastersExtensionPoint = extensionPoint<Upcaster>('core.upcasters', {
  // The event bus reads history at boot, before any init.
  valuesOnly: true,
  key: (u) => `${u.eventType}@${u.fromVersion}`,
});
