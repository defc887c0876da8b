import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { channel, JobIdSchema, type ContractShape } from '../../../shared/ipc/channel';
import { contract } from '../../../shared/ipc/contract';
import type { HostEvent } from '../../../shared/ipc/events';
import { WardscribeError } from '../../../main/errors';
import { createJobHandlers } from '../../../main/ipc/handlers/jobs';
import { JobTracker } from '../../../main/ipc/jobs';
import { createIpcRegistry, type AccessGate, type Handlers, type Sender } from '../../../main/ipc/registry';
import type { Logger } from '../../../main/log';
import { createWardscribe } from '../../../main/wardscribe';

const ORIGIN = 'app://wardscribe';
const MAIN_FRAME: Sender = { isMainFrame: true, url: `${ORIGIN}/index.html` };

function recordingLogger() {
  const lines: string[] = [];
  const record = (event: string, fields: object = {}) => lines.push(JSON.stringify({ event, ...fields }));
  const log: Logger = { info: record, warn: record, error: record };
  return { log, lines };
}

function realRegistry() {
  const app = createWardscribe({ host: 'electron', engine: 'Electron test', dataDir: '/nonexistent', log: recordingLogger().log });
  return app.registryFor(ORIGIN);
}

describe('IPC registry: who may call', () => {
  it('answers a call from our main frame with the validated response', async () => {
    const result = await realRegistry().dispatch(MAIN_FRAME, 'wardscribe:app.status', {});
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toMatchObject({ product: 'Wardscribe', host: 'electron', engine: 'Electron test' });
  });

  it('refuses a frame other than our main frame', async () => {
    const result = await realRegistry().dispatch({ isMainFrame: false, url: `${ORIGIN}/index.html` }, 'wardscribe:app.status', {});
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'untrusted-sender' }) });
  });

  it.each([
    ['another origin', 'https://evil.example/index.html'],
    ['a look-alike host', 'app://wardscribe.evil/index.html'],
    ['a file URL', 'file:///tmp/index.html'],
    ['an empty URL (destroyed frame)', ''],
    ['a malformed URL', 'not a url'],
  ])('refuses the main frame of %s', async (_label, url) => {
    const result = await realRegistry().dispatch({ isMainFrame: true, url }, 'wardscribe:app.status', {});
    expect(result.ok ? 'ok' : result.error.code).toBe('untrusted-sender');
  });

  it('refuses a channel that is not in the contract', async () => {
    const result = await realRegistry().dispatch(MAIN_FRAME, 'wardscribe:vault.dropEverything', {});
    expect(result.ok ? 'ok' : result.error.code).toBe('unknown-channel');
  });

  it.each([
    ['an extra field', { surprise: true }],
    ['a string', 'status'],
    ['null', null],
    ['an array', []],
  ])('refuses a malformed payload (%s) with a typed error naming the problem', async (_label, payload) => {
    const result = await realRegistry().dispatch(MAIN_FRAME, 'wardscribe:app.status', payload);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe('invalid-request');
      expect(result.error.issues?.length).toBeGreaterThan(0);
      expect(JSON.stringify(result)).not.toMatch(/\bat .*\.ts:\d+/);
    }
  });

  it('refuses an oversized request unread, before its schema or the gate runs', async () => {
    const gate = vi.fn<AccessGate>(() => ({ userId: 'u1', role: 'clinician' }));
    const { registry } = testRegistry({ gate });
    const cases: [string, unknown][] = [
      ['100,000 items in one list', { items: Array.from({ length: 100_000 }, () => ({ name: 'Dr Ada Shah' })) }],
      ['one text of 1 MiB', { text: 'x'.repeat(1024 * 1024) }],
      ['nesting 1,000 deep', JSON.parse('['.repeat(1000) + ']'.repeat(1000)) as unknown],
      ['many small texts', { a: Array.from({ length: 1_900 }, () => 'y'.repeat(2_000)) }],
    ];
    for (const [label, payload] of cases) {
      const started = performance.now();
      const result = await registry.dispatch(MAIN_FRAME, 'wardscribe:work.guarded', payload);
      expect(result.ok ? 'ok' : result.error.code, label).toBe('request-too-large');
      expect(performance.now() - started, label).toBeLessThan(200);
    }
    expect(gate).not.toHaveBeenCalled();
    // Within bounds, the same channel still answers.
    expect((await registry.dispatch(MAIN_FRAME, 'wardscribe:work.guarded', {})).ok).toBe(true);
  });

  it('refuses 100,000 advisers in a product request without stalling main', async () => {
    const started = performance.now();
    const advisers = Array.from({ length: 100_000 }, (_, index) => ({ displayNameInChat: `Dr ${index}`, name: `Dr ${index}`, role: 'Registrar' }));
    const result = await realRegistry().dispatch(MAIN_FRAME, 'wardscribe:app.status', { advisers });
    expect(result.ok ? 'ok' : result.error.code).toBe('request-too-large');
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('refuses a job id that is not in the allowed form before anything runs', async () => {
    const result = await realRegistry().dispatch(MAIN_FRAME, 'wardscribe:jobs.cancel', { jobId: '../../etc' });
    expect(result.ok ? 'ok' : result.error.code).toBe('invalid-request');
  });
});

// A small contract of our own, to exercise access, errors and jobs independent of the product's channels.
const testContract = {
  work: {
    open: channel({ request: z.object({}), response: z.object({ n: z.number() }), access: 'public' }),
    guarded: channel({ request: z.object({}), response: z.object({ n: z.number() }), access: ['clinician'] }),
    leaky: channel({ request: z.object({}), response: z.object({ n: z.number() }), access: 'public' }),
    crash: channel({ request: z.object({}), response: z.object({ n: z.number() }), access: 'public' }),
    refuse: channel({ request: z.object({}), response: z.object({ n: z.number() }), access: 'public' }),
    long: channel({
      request: z.object({ jobId: JobIdSchema, steps: z.number().int() }),
      response: z.object({ done: z.number() }),
      access: 'public',
      job: true,
    }),
  },
} as const satisfies ContractShape;

function testRegistry(options: { gate?: AccessGate; clock?: () => number } = {}) {
  const events: HostEvent[] = [];
  const jobs = new JobTracker();
  const { log, lines } = recordingLogger();
  let release: () => void = () => {};
  const gateOpen = new Promise<void>((resolve) => (release = resolve));
  const handlers: Handlers<typeof testContract> = {
    work: {
      open: () => ({ n: 1 }),
      guarded: () => ({ n: 2 }),
      leaky: () => ({ n: 'not a number' }) as unknown as { n: number },
      crash: () => {
        throw new Error('UNIQUE constraint failed: patient 943 476 5919');
      },
      refuse: () => {
        throw new WardscribeError('rejected', 'That file is not a chat export.');
      },
      long: async ({ steps }, { signal, progress }) => {
        for (let step = 1; step <= steps; step++) {
          progress(step, steps, 'steps');
          if (step === 1) await gateOpen;
          signal.throwIfAborted();
        }
        return { done: steps };
      },
    },
  };
  const registry = createIpcRegistry({
    contract: testContract,
    handlers,
    trustedOrigin: ORIGIN,
    gate: options.gate ?? ((access) => (access === 'public' ? null : { userId: 'u1', role: 'clerk' })),
    jobs,
    emit: (event) => events.push(event),
    log,
  });
  return { registry, events, jobs, lines, release };
}

describe('IPC registry: access, errors and responses', () => {
  it('passes the gate’s refusal through as a typed error', async () => {
    const { registry } = testRegistry({
      gate: (access) => {
        if (access === 'public') return null;
        throw new WardscribeError('forbidden', 'Your role cannot do this.');
      },
    });
    expect(await registry.dispatch(MAIN_FRAME, 'wardscribe:work.guarded', {})).toEqual({
      ok: false,
      error: { code: 'forbidden', message: 'Your role cannot do this.' },
    });
    expect((await registry.dispatch(MAIN_FRAME, 'wardscribe:work.open', {})).ok).toBe(true);
  });

  it('reports a service’s deliberate error with its code and message', async () => {
    const { registry } = testRegistry();
    expect(await registry.dispatch(MAIN_FRAME, 'wardscribe:work.refuse', {})).toEqual({
      ok: false,
      error: { code: 'rejected', message: 'That file is not a chat export.' },
    });
  });

  it('turns an unexpected exception into `internal` without its message, in the answer or the log', async () => {
    const { registry, lines } = testRegistry();
    const result = await registry.dispatch(MAIN_FRAME, 'wardscribe:work.crash', {});
    expect(result.ok ? 'ok' : result.error.code).toBe('internal');
    expect(JSON.stringify(result)).not.toContain('943');
    expect(lines.join('\n')).toContain('ipc.unexpected');
    expect(lines.join('\n')).not.toContain('943');
  });

  it('never lets a response that breaks its schema reach the renderer', async () => {
    const { registry, lines } = testRegistry();
    const result = await registry.dispatch(MAIN_FRAME, 'wardscribe:work.leaky', {});
    expect(result.ok ? 'ok' : result.error.code).toBe('internal');
    expect(lines.join('\n')).toContain('ipc.response-schema');
  });

  it('fails at start-up when a channel has no handler', () => {
    expect(() =>
      createIpcRegistry({
        contract: testContract,
        handlers: { work: {} } as unknown as Handlers<typeof testContract>,
        trustedOrigin: ORIGIN,
        gate: () => null,
        jobs: new JobTracker(),
        emit: () => {},
        log: recordingLogger().log,
      }),
    ).toThrow(/No handler registered for work\.open/);
  });
});

describe('IPC registry: jobs', () => {
  it('streams progress events and can be cancelled by id', async () => {
    const { registry, events, jobs, release } = testRegistry();
    const running = registry.dispatch(MAIN_FRAME, 'wardscribe:work.long', { jobId: 'job-0001', steps: 5 });
    await vi.waitFor(() => expect(events.length).toBe(1));
    expect(events[0]).toEqual({ type: 'job.progress', jobId: 'job-0001', done: 1, total: 5, unit: 'steps' });
    expect(jobs.cancel('job-0001')).toBe(true);
    release();
    const result = await running;
    expect(result.ok ? 'ok' : result.error.code).toBe('cancelled');
    expect(jobs.size).toBe(0);
    expect(jobs.cancel('job-0001')).toBe(false);
  });

  it('refuses a second job with the id of one still running', async () => {
    const { registry, release } = testRegistry();
    const first = registry.dispatch(MAIN_FRAME, 'wardscribe:work.long', { jobId: 'job-0002', steps: 2 });
    const second = await registry.dispatch(MAIN_FRAME, 'wardscribe:work.long', { jobId: 'job-0002', steps: 2 });
    expect(second.ok ? 'ok' : second.error.code).toBe('conflict');
    release();
    expect(await first).toEqual({ ok: true, value: { done: 2 } });
  });

  it('lets the `jobs.cancel` handler abort a running job and report it', () => {
    const jobs = new JobTracker();
    const signal = jobs.start('job-0003');
    const cancel = createJobHandlers(jobs).cancel;
    expect(cancel({ jobId: 'job-0003' }, { principal: null, signal, progress: () => {} })).toEqual({ cancelled: true });
    expect(signal.aborted).toBe(true);
    expect(cancel({ jobId: 'job-0404' }, { principal: null, signal, progress: () => {} })).toEqual({ cancelled: false });
  });
});

describe('the product contract', () => {
  it('gives every channel a request schema that refuses unknown fields or a job id', () => {
    for (const [namespace, methods] of Object.entries(contract)) {
      for (const [method, spec] of Object.entries(methods)) {
        const probe = spec.request.safeParse({ __proto__: null, injected: '<script>' });
        expect(probe.success, `${namespace}.${method} accepts unknown fields`).toBe(false);
      }
    }
  });
});
