import { describe, expect, it } from 'vitest';
import { LeaseBusyError, LeaseRevokedError, VaultLease, type LeaseMode } from '../../../main/session/vault-lease';

/** A promise and the function that settles it, to hold a lease open for as long as a test needs. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('vault lease', () => {
  it('lets shared holders in together and an exclusive one alone', async () => {
    const lease = new VaultLease();
    const held = gate();
    const order: string[] = [];
    const a = lease.run('shared', { purpose: 'read a' }, async () => {
      order.push('a in');
      await held.promise;
      order.push('a out');
    });
    const b = lease.run('shared', { purpose: 'read b' }, async () => {
      order.push('b in');
      await held.promise;
      order.push('b out');
    });
    const x = lease.run('exclusive', { purpose: 'wipe' }, () => {
      order.push('x alone', String(lease.heldFor().length));
    });
    await tick();
    expect(order).toEqual(['a in', 'b in']);
    held.open();
    await Promise.all([a, b, x]);
    expect(order).toEqual(['a in', 'b in', 'a out', 'b out', 'x alone', '1']);
  });

  it('does not let a stream of shared holders starve a waiting exclusive one', async () => {
    const lease = new VaultLease();
    let exclusiveQueued = false;
    let exclusiveRan = false;
    let startedAfterQueued = 0;
    let stop = false;
    // Readers arrive every millisecond and each holds for five: there is never a moment with none.
    const readers = (async () => {
      const running: Promise<void>[] = [];
      for (let at = 0; at < 300 && !stop; at++) {
        running.push(
          lease.run('shared', { purpose: 'read' }, async () => {
            if (exclusiveQueued && !exclusiveRan) startedAfterQueued++;
            await new Promise((resolve) => setTimeout(resolve, 5));
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      await Promise.all(running);
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    exclusiveQueued = true;
    await lease.run('exclusive', { purpose: 'wipe' }, () => {
      exclusiveRan = true;
      expect(lease.heldFor()).toEqual(['wipe']);
    });
    const streamStillGoing = !stop;
    stop = true;
    await readers;
    // It ran while readers were still arriving, and none started after it asked.
    expect(streamStillGoing).toBe(true);
    expect(startedAfterQueued).toBe(0);
  });

  it('releases the lease when the work throws', async () => {
    const lease = new VaultLease();
    await expect(lease.run('exclusive', { purpose: 'wipe' }, () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
    await expect(lease.run('exclusive', { purpose: 'rotation' }, () => 'ran')).resolves.toBe('ran');
    await expect(lease.run('shared', { purpose: 'read' }, () => { throw new Error('sync'); })).rejects.toThrow('sync');
    expect(lease.heldFor()).toEqual([]);
  });

  it('refuses after a bounded wait, naming what holds it, and lets those queued behind in', async () => {
    const lease = new VaultLease();
    const held = gate();
    const importing = lease.run('shared', { purpose: 'import' }, () => held.promise);
    const wipe = lease.run('exclusive', { purpose: 'wipe', waitMs: 20 }, () => 'never');
    // Queued behind the waiting wipe; let in as soon as the wipe gives up.
    let readRan = false;
    const read = lease.run('shared', { purpose: 'read' }, () => {
      readRan = true;
    });
    await tick();
    expect(readRan).toBe(false);
    await expect(wipe).rejects.toBeInstanceOf(LeaseBusyError);
    await expect(wipe).rejects.toMatchObject({ heldFor: ['import'] });
    await read;
    expect(readRan).toBe(true);
    held.open();
    await importing;
  });

  it('is re-entrant inside exclusive work and for shared inside shared, and refuses an upgrade at once', async () => {
    const lease = new VaultLease();
    const nested = await lease.run('exclusive', { purpose: 'wipe' }, async () => {
      const inner = await lease.run('shared', { purpose: 'plan' }, () => lease.run('exclusive', { purpose: 'rotation' }, () => lease.heldFor()));
      return inner;
    });
    expect(nested).toEqual(['wipe']);
    await expect(lease.run('shared', { purpose: 'import' }, () => lease.run('exclusive', { purpose: 'wipe' }, () => 'never'))).rejects.toThrow(/asked for it exclusively/);
    // Shared inside shared does not queue behind a waiting exclusive (that would deadlock).
    const held = gate();
    const outer = lease.run('shared', { purpose: 'import' }, async () => {
      await held.promise;
      return lease.run('shared', { purpose: 'read' }, () => 'inner ran');
    });
    const waitingWipe = lease.run('exclusive', { purpose: 'wipe' }, () => 'wipe ran');
    await tick();
    held.open();
    await expect(outer).resolves.toBe('inner ran');
    await expect(waitingWipe).resolves.toBe('wipe ran');
  });

  it('background work started under a lease does not keep it once the lease is released', async () => {
    const lease = new VaultLease();
    let background: Promise<LeaseMode | undefined> | null = null;
    const later = gate();
    await lease.run('exclusive', { purpose: 'attest' }, () => {
      background = (async () => {
        await later.promise;
        const blocker = gate();
        // Another piece of work holds the lease exclusively now; the background task must wait for it.
        const other = lease.run('exclusive', { purpose: 'wipe' }, () => blocker.promise);
        let ranBeforeWipeEnded = false;
        const mine = lease.run('shared', { purpose: 'filing' }, () => {
          ranBeforeWipeEnded = lease.heldFor().includes('wipe');
          return lease.current()?.mode;
        });
        await tick();
        blocker.open();
        await other;
        const mode = await mine;
        expect(ranBeforeWipeEnded).toBe(false);
        return mode;
      })();
    });
    later.open();
    await expect(background!).resolves.toBe('shared');
  });

  it('locking refuses waiters and revokes holders without waiting for them', async () => {
    const lease = new VaultLease();
    const held = gate();
    let signalled = false;
    let liveAfterRevoke: boolean | null = null;
    const importing = lease.run('shared', { purpose: 'import' }, async (holder) => {
      holder.signal.addEventListener('abort', () => (signalled = true));
      await held.promise;
      liveAfterRevoke = lease.isLive(holder);
      return 'import unwound';
    });
    const wipe = lease.run('exclusive', { purpose: 'wipe' }, () => 'never');
    await tick();
    lease.revokeAll();
    await expect(wipe).rejects.toBeInstanceOf(LeaseRevokedError);
    expect(signalled).toBe(true);
    expect(lease.heldFor()).toEqual([]);
    // The next session's work does not wait for the revoked import to unwind.
    await expect(lease.run('exclusive', { purpose: 'user change' }, () => 'next session')).resolves.toBe('next session');
    held.open();
    await expect(importing).resolves.toBe('import unwound');
    expect(liveAfterRevoke).toBe(false);
    // A revoked holder's release lets nobody in twice.
    expect(lease.heldFor()).toEqual([]);
  });
});
