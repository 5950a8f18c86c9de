/**
 * `@hangar/core/testing` — shared ava contract suites for code that plugs into the kernel's ports.
 * An adapter's test file calls a suite with its own ava `test`, a name and a setup; the suite
 * registers one test per rule the port promises. For tests only: it is not part of the runtime entry.
 */

export { eventStoreContract } from './eventStoreContract.js';
export type { OpenedEventStore } from './eventStoreContract.js';
export { transportContract } from './transportContract.js';
export type { TransportContractSetup, TransportContractUpstream, TransportContractUnstartable } from './transportContract.js';
