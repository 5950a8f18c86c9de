import test from 'ava';
import { eventStoreContract } from './eventStoreContract.js';
import { MemoryEventStore } from './MemoryEventStore.js';

eventStoreContract(test, 'memory', () => {
  const store = new MemoryEventStore();
  return Promise.resolve({ store, cleanup: () => store.close() });
});
