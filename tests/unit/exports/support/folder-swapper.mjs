// Swaps a folder for a link to a decoy and back, as fast as it can, in a process of its own (a
// real concurrent attacker, not interleaved with the test's own event loop). Reads commands on
// stdin: `swap <root>` starts swapping <root>/exports for a link to <root>/decoy and back;
// `stop` puts the real folder back at <root>/exports and answers `stopped`.
import { existsSync, lstatSync, renameSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

let root = null;
let swaps = 0;

function restore() {
  const name = join(root, 'exports');
  const kept = join(root, 'exports.kept');
  try {
    if (lstatSync(name).isSymbolicLink()) unlinkSync(name);
  } catch {
    // No link at the name just now: the real folder is at one of its two names.
  }
  if (existsSync(kept)) renameSync(kept, name);
}

function swapOnce() {
  const name = join(root, 'exports');
  const kept = join(root, 'exports.kept');
  renameSync(name, kept);
  // Missing for a moment, then a link to the decoy, then the real folder back.
  for (let spin = Math.random() * 200; spin > 0; spin--);
  symlinkSync(join(root, 'decoy'), name);
  for (let spin = Math.random() * 400; spin > 0; spin--);
  unlinkSync(name);
  renameSync(kept, name);
  swaps++;
}

function loop() {
  if (root === null) return;
  const until = Date.now() + 5;
  while (Date.now() < until) swapOnce();
  setImmediate(loop);
}

let buffered = '';
process.stdin.on('data', (chunk) => {
  buffered += chunk.toString();
  let at;
  while ((at = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, at);
    buffered = buffered.slice(at + 1);
    if (line.startsWith('swap ')) {
      root = line.slice(5);
      process.stdout.write('swapping\n');
      setImmediate(loop);
    } else if (line === 'stop') {
      if (root !== null) restore();
      root = null;
      process.stdout.write(`stopped ${swaps}\n`);
    }
  }
});
process.stdin.on('end', () => process.exit(0));
