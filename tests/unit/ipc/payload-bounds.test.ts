/**
 * Bounds on a window's request (#14): a request arrives as JSON text and is bounded as text before
 * it is parsed, so a huge or deeply nested one is refused in words for about what a normal request
 * costs, and the bound never refuses a request the exact walk of the parsed value would accept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRequest, DEFAULT_PAYLOAD_LIMITS, payloadTooLarge, type PayloadLimits } from '../../../main/ipc/payload-bounds';
import { createWardscribe } from '../../../main/wardscribe';
import { silentLogger } from '../../../main/log';

const ORIGIN = 'app://wardscribe';
const MAIN_FRAME = { isMainFrame: true, url: `${ORIGIN}/index.html` };

/** The median of `runs` timings of `work`, in milliseconds: one slow run on a loaded machine decides nothing. */
function medianMs(runs: number, work: () => void): number {
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)]!;
}

/** A request a clinician really sends: a draft of a few hundred excerpts. */
const NORMAL = JSON.stringify({
  threadId: '5b0d7f0e-9a7c-4c55-a1d3-3c1f1c2a9b10',
  excerpts: Array.from({ length: 300 }, (_, at) => ({ messageId: `m-${at}`, text: `Obs stable, NEWS2 ${at % 7}. Plan: review in the morning.` })),
  advisers: [{ displayNameInChat: 'Dr Ada Shah', name: 'Ada Shah', role: 'Registrar' }],
});

describe('a request bounded as text', () => {
  it('refuses a 2,000,000-key object within a small multiple of what a normal request costs, in words', () => {
    const keys = Array.from({ length: 2_000_000 }, (_, at) => `"k${at}":${at}`);
    // Under the length budget on purpose, so that the pass over the structure is what refuses it.
    const huge = `{${keys.slice(0, 300_000).join(',')}}`;
    expect(huge.length).toBeLessThan(DEFAULT_PAYLOAD_LIMITS.encodedLength);
    const whole = `{${keys.join(',')}}`;
    expect(decodeRequest(whole)).toEqual({ ok: false, tooLarge: true, message: `The request is longer than ${DEFAULT_PAYLOAD_LIMITS.encodedLength.toLocaleString('en-GB')} characters.` });
    expect(decodeRequest(huge)).toEqual({ ok: false, tooLarge: true, message: 'The request holds more than 50,000 values.' });
    expect(decodeRequest(NORMAL).ok).toBe(true);

    const normalMs = medianMs(15, () => decodeRequest(NORMAL));
    const hugeMs = medianMs(15, () => decodeRequest(huge));
    const wholeMs = medianMs(15, () => decodeRequest(whole));
    // The structure pass stops at its budget: ~50,000 values read, against ~1,200 for the normal one.
    expect(hugeMs).toBeLessThan(Math.max(normalMs, 0.05) * 40);
    // Over the length budget: one comparison.
    expect(wholeMs).toBeLessThan(Math.max(normalMs, 0.05) * 2);
  });

  it('refuses nesting 100,000 deep at its 17th level, and as quickly as a normal request', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(decodeRequest(deep)).toEqual({ ok: false, tooLarge: true, message: 'The request is nested more than 16 levels deep.' });
    expect(medianMs(15, () => decodeRequest(deep))).toBeLessThan(Math.max(medianMs(15, () => decodeRequest(NORMAL)), 0.05) * 2);
  });

  it('refuses lists, texts and totals over their budgets, and anything that is not text, in words', () => {
    expect(decodeRequest(JSON.stringify({ list: Array.from({ length: 2_001 }, () => 0) }))).toMatchObject({ tooLarge: true, message: 'A list in the request has more than 2,000 items.' });
    expect(decodeRequest(JSON.stringify({ list: Array.from({ length: 2_000 }, () => 0) })).ok).toBe(true);
    expect(decodeRequest(JSON.stringify({ text: 'x'.repeat(DEFAULT_PAYLOAD_LIMITS.stringLength + 1) }))).toMatchObject({ tooLarge: true, message: /A text in the request is longer than/ });
    expect(decodeRequest({ an: 'object' })).toEqual({ ok: false, tooLarge: false, message: 'The request was not sent the way Wardscribe sends requests.' });
    expect(decodeRequest('{"unfinished": ')).toMatchObject({ ok: false, tooLarge: false });
  });

  it('never refuses what the exact walk of the parsed value accepts, and refuses all it refuses', () => {
    const limits: PayloadLimits = { arrayItems: 4, stringLength: 6, totalStringLength: 24, values: 20, depth: 3, encodedLength: 10_000 };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const text = JSON.stringify(value);
        const decoded = decodeRequest(text, limits);
        const walked = payloadTooLarge(JSON.parse(text), limits);
        expect(decoded.ok).toBe(walked === null);
        if (!decoded.ok) expect(decoded.tooLarge).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('the registry over a window’s text', () => {
  const registry = () => createWardscribe({ host: 'electron', engine: 'Electron test', dataDir: '/nonexistent', log: silentLogger }).registryFor(ORIGIN);

  it('answers a normal request sent as text, refuses an object sent as one, and refuses a huge text before its schema', async () => {
    const app = registry();
    expect(await app.dispatchEncoded(MAIN_FRAME, 'wardscribe:app.status', '{}')).toMatchObject({ ok: true });
    expect(await app.dispatchEncoded(MAIN_FRAME, 'wardscribe:app.status', {})).toMatchObject({ ok: false, error: { code: 'invalid-request' } });
    const huge = `{${Array.from({ length: 300_000 }, (_, at) => `"k${at}":${at}`).join(',')}}`;
    expect(await app.dispatchEncoded(MAIN_FRAME, 'wardscribe:app.status', huge)).toEqual({
      ok: false,
      error: { code: 'request-too-large', message: 'The request holds more than 50,000 values. Wardscribe refused it without reading it.' },
    });
    // The sender is checked before anything of the text.
    expect(await app.dispatchEncoded({ isMainFrame: false, url: MAIN_FRAME.url }, 'wardscribe:app.status', huge)).toMatchObject({ ok: false, error: { code: 'untrusted-sender' } });
  });
});
