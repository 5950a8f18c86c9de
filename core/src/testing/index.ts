/**
 * `@hangar/core/testing` — shared ava contract suites for code that plugs into the kernel's ports.
 * An adapter's test file calls a suite with its own ava `test` and a setup; the suite registers one
 * test per rule the port promises. Imported from tests only: it is not part of the runtime entry.
 */

export { eventStoreContract } from './eventStoreContract.js';
export type { OpenedEventStore } from './eventStoreContract.js';
