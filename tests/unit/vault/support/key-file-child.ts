/**
 * A child process for the key-file lock tests: real Wardscribe code in a process the test may
 * SIGKILL. `hold`: takes the lock and keeps it. `increment N`: N read-modify-writes of a counter
 * in the key file, each under the lock. `hammer`: the same without end (to be killed mid-write).
 */
import { withKeyFileLock } from '../../../../main/vault/key-file-lock';
import { updateKeySlotFile } from '../../../../main/vault/key-slots';

export async function main(argv: string[]): Promise<void> {
  const [mode, keySlotsPath, countText, name] = argv.slice(2) as [string, string, string?, string?];
  const counter = name ?? 'counter';
  const increment = () =>
    updateKeySlotFile(keySlotsPath, (current) => {
      if (!current) throw new Error('no key file');
      const previous = current.failures[counter];
      return { write: { ...current, failures: { ...current.failures, [counter]: { count: (previous?.count ?? 0) + 1, lastAt: new Date().toISOString(), unaudited: [] } } }, result: undefined };
    });
  if (mode === 'hold') {
    await withKeyFileLock(keySlotsPath, () => {
      process.stdout.write('held\n');
      // A promise that never settles and that nothing references can be garbage-collected,
      // and with it the suspended lock holder and its database handle, whose finaliser closes
      // the connection and so drops the OS lock mid-test. The interval roots the promise (and
      // keeps the process alive) until the test kills it.
      const forever = new Promise<void>(() => undefined);
      setInterval(() => void forever, 60_000);
      return forever;
    });
  } else if (mode === 'increment') {
    for (let at = 0; at < Number(countText); at++) await increment();
    process.stdout.write('done\n');
  } else if (mode === 'hammer') {
    process.stdout.write('started\n');
    for (;;) await increment();
  }
}
