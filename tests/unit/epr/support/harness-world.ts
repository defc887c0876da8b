import { afterAll, afterEach, beforeAll } from 'vitest';
import { startEprHarness, type EprHarness } from './epr-harness';
import { outboxWorld, type OutboxWorld } from './outbox-world';

/**
 * One EPR harness and one outbox world for a test file: started before its tests, reset after
 * each, closed after all. `ready` receives both once they are up.
 */
export function useHarnessAndWorld(ready: (harness: EprHarness, world: OutboxWorld) => void): void {
  let harness: EprHarness | undefined;
  let world: OutboxWorld | undefined;
  beforeAll(async () => {
    harness = await startEprHarness();
    world = await outboxWorld();
    ready(harness, world);
  }, 30_000);
  afterAll(async () => {
    world?.close();
    await harness?.close();
  });
  afterEach(() => harness?.reset());
}
