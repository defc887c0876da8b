import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { packMessages, unpackMessages } from '../../../main/imports/import-worker-protocol';
import { MESSAGE_FLAGS, type ChatMessage } from '../../../shared/domain/chat';

const anyText = fc.string({ unit: 'binary', maxLength: 40 });
const message: fc.Arbitrary<ChatMessage> = fc.record({
  index: fc.nat(),
  sender: fc.option(anyText, { nil: null }),
  text: anyText,
  kind: fc.constantFrom('message' as const, 'system' as const),
  head: anyText,
  localTime: anyText,
  zone: anyText,
  instant: fc.option(anyText, { nil: null }),
  flags: fc.uniqueArray(fc.constantFrom(...MESSAGE_FLAGS)),
  attachment: fc.option(anyText, { nil: null }),
  line: fc.nat(),
  warnings: fc.array(fc.record({ line: fc.nat(), code: anyText, message: anyText }), { maxLength: 2 }),
});

describe('messages packed for the crossing from the import worker', () => {
  it('unpack to exactly what was packed: empty strings, nulls, any text, flags and warnings', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 30 }), (messages) => {
        const packed = packMessages(messages);
        // As structured clone delivers it (the typed arrays transferred, the string copied).
        const delivered = structuredClone(packed, { transfer: [packed.lengths.buffer as ArrayBuffer, packed.numbers.buffer as ArrayBuffer] });
        expect(unpackMessages(delivered)).toEqual(messages);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a pack that does not add up', () => {
    const packed = packMessages([
      { index: 0, sender: 'Ada', text: 'stop the heparin', kind: 'message', head: '[1/2/2024, 09:00:00] Ada:', localTime: '2024-02-01T09:00:00', zone: 'Europe/London', instant: '2024-02-01T09:00:00Z', flags: [], attachment: null, line: 1, warnings: [] },
    ]);
    expect(() => unpackMessages({ ...packed, strings: packed.strings + 'x' })).toThrow(/malformed message report/);
    expect(() => unpackMessages({ ...packed, count: 2 })).toThrow(/malformed message report/);
  });
});
