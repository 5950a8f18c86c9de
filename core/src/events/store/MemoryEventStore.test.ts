import test from 'ava';
import { eventStoreContract } from '../../testing/index.js';
import { MemoryEventStore } from './MemoryEventStore.js';

eventStoreContract(test, 'memory', () => {
  const store = new MemoryEventStore();
  return Promise.resolve({ store, cleanup: () => store.close() });
});
