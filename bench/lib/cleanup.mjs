// Scenario-scoped cleanup: whatever a scenario opens (gateways, clients, sockets) is closed in
// reverse order when it ends, also when it fails half-way.

/** Runs `work(defer)`; every `defer(close)` runs afterwards, last first, even on failure. */
export async function withCleanup(work) {
  const closers = [];
  try {
    return await work((close) => closers.push(close));
  } finally {
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch (error) {
        console.error(`bench cleanup: ${error.message}`);
      }
    }
  }
}
