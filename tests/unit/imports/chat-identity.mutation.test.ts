import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../shared/domain/chat';
import {
  ChatFingerprinter,
  FINGERPRINT_BYTES,
  fingerprintKey,
  fingerprintMessages,
  identityTime,
  IDENTITY_KEY_BYTES,
  OccurrenceCounter,
  sourceFamily,
} from '../../../main/imports/chat-identity';

/**
 * H-024 (a wiped chat comes back) and the re-export merge: which messages two exports share is
 * decided by these fingerprints. Each field that must (or must not) change a fingerprint is stated.
 */
const KEY = Uint8Array.from({ length: 32 }, (_, index) => index + 1);
const S = '\u001f';
const hmac = (text: string) => createHmac('sha256', Buffer.from(KEY)).update(text, 'utf8').digest().subarray(0, 16);

const message = (fields: Partial<ChatMessage> = {}): ChatMessage => ({
  index: 0,
  sender: 'Dr Ada',
  text: 'Give 5 mg',
  kind: 'message',
  head: '',
  localTime: '2024-03-31T09:05:00',
  zone: 'Europe/London',
  instant: '2024-03-31T08:05:00Z',
  flags: [],
  attachment: null,
  line: 1,
  warnings: [],
  ...fields,
});

describe('fingerprints', () => {
  it('are HMAC-SHA256 under the vault key, cut to 128 bits, over the documented fields', () => {
    const fingerprinter = new ChatFingerprinter(KEY, 'whatsapp-ios');
    expect(IDENTITY_KEY_BYTES).toBe(32);
    expect(FINGERPRINT_BYTES).toBe(16);
    expect(fingerprinter.identity(message(), 0)).toEqual(hmac(`m1${S}whatsapp${S}message${S}Dr Ada${S}2024-03-31T09:05:00${S}Give 5 mg`));
    expect(fingerprinter.identity(message(), 2)).toEqual(hmac(`m1${S}whatsapp${S}message${S}Dr Ada${S}2024-03-31T09:05:00${S}Give 5 mg${S}#2`));
    expect(fingerprinter.slot(message())).toEqual(hmac(`s1${S}whatsapp${S}message${S}Dr Ada${S}2024-03-31T09:05:00`));
  });

  it('a group event from the group, a system line, media and deletions are keyed by what they are', () => {
    const fingerprinter = new ChatFingerprinter(KEY, 'whatsapp-android');
    expect(fingerprinter.identity(message({ flags: ['group-name-author'], sender: 'Ward 7' }), 0)).toEqual(hmac(`m1${S}whatsapp${S}message${S}\u0000group${S}2024-03-31T09:05:00${S}Give 5 mg`));
    expect(fingerprinter.identity(message({ kind: 'system', sender: null }), 0)).toEqual(hmac(`m1${S}whatsapp${S}system${S}\u0000none${S}2024-03-31T09:05:00${S}Give 5 mg`));
    expect(fingerprinter.identity(message({ flags: ['attachment'], text: 'caption' }), 0)).toEqual(hmac(`m1${S}whatsapp${S}message${S}Dr Ada${S}2024-03-31T09:05:00${S}\u0000media`));
    expect(fingerprinter.identity(message({ flags: ['media-omitted'], text: '' }), 0)).toEqual(hmac(`m1${S}whatsapp${S}message${S}Dr Ada${S}2024-03-31T09:05:00${S}\u0000media`));
    expect(fingerprinter.identity(message({ flags: ['deleted'], text: '' }), 0)).toEqual(hmac(`m1${S}whatsapp${S}message${S}Dr Ada${S}2024-03-31T09:05:00${S}\u0000deleted`));
  });

  it('a different key gives different fingerprints; a wrong-sized key is refused', () => {
    const other = Uint8Array.from(KEY, (byte) => byte ^ 0xff);
    expect(new ChatFingerprinter(other, 'whatsapp').identity(message(), 0)).not.toEqual(new ChatFingerprinter(KEY, 'whatsapp').identity(message(), 0));
    expect(() => new ChatFingerprinter(new Uint8Array(31), 'whatsapp')).toThrow(new RangeError('the chat identity key must be 32 bytes'));
    expect(() => new ChatFingerprinter(new Uint8Array(33), 'whatsapp')).toThrow(RangeError);
  });

  it('the line, index and zone are not part of it', () => {
    const fingerprinter = new ChatFingerprinter(KEY, 'whatsapp');
    expect(fingerprinter.identity(message({ line: 99, index: 7, zone: 'UTC' }), 0)).toEqual(fingerprinter.identity(message(), 0));
  });
});

describe('families and times', () => {
  it('iOS and Android WhatsApp are one family; other sources their own', () => {
    expect(sourceFamily('whatsapp')).toBe('whatsapp');
    expect(sourceFamily('whatsapp-ios')).toBe('whatsapp');
    expect(sourceFamily('whatsapp-android')).toBe('whatsapp');
    expect(sourceFamily('telegram')).toBe('telegram');
    expect(sourceFamily('threema')).toBe('threema');
  });

  it('instant sources are keyed by the instant (or the wall clock when there is none); others by the wall clock', () => {
    for (const source of ['telegram', 'teams', 'signal-sigtop-json', 'signal-sigtop-text'] as const) {
      expect(identityTime(source, message()), source).toBe('2024-03-31T08:05:00Z');
      expect(identityTime(source, message({ instant: null })), source).toBe('local:2024-03-31T09:05:00');
    }
    for (const source of ['whatsapp', 'whatsapp-ios', 'threema', 'signal-export-markdown'] as const) {
      expect(identityTime(source as never, message()), source).toBe('2024-03-31T09:05:00');
    }
  });
});

describe('occurrences', () => {
  it('number identical messages in order, separately per fingerprint', () => {
    const counter = new OccurrenceCounter();
    const a = Buffer.from('a'.repeat(16));
    const b = Buffer.from('b'.repeat(16));
    expect([counter.next(a), counter.next(a), counter.next(b), counter.next(a), counter.next(b)]).toEqual([0, 1, 0, 2, 1]);
  });

  it('count only within a window of 4,096 messages: 4,095 back is counted, 4,096 back is not', () => {
    const repeated = Buffer.from('r'.repeat(16));
    const run = (between: number) => {
      const counter = new OccurrenceCounter();
      counter.next(repeated);
      for (let index = 0; index < between; index++) counter.next(Buffer.from(`f${String(index).padStart(15, '0')}`));
      return counter.next(repeated);
    };
    expect(run(4094)).toBe(1);
    expect(run(4095)).toBe(0);
    expect(run(0)).toBe(1);
  });

  it('a fingerprint leaving the window lowers its count by one, not to nothing', () => {
    const counter = new OccurrenceCounter();
    const repeated = Buffer.from('r'.repeat(16));
    counter.next(repeated);
    counter.next(repeated);
    for (let index = 0; index < 4094; index++) counter.next(Buffer.from(`f${String(index).padStart(15, '0')}`));
    // The first has left the window; the second (4,095 back) is still counted.
    expect(counter.next(repeated)).toBe(1);
  });

  it('fingerprintMessages lays fingerprints end to end with their occurrences', () => {
    const fingerprinter = new ChatFingerprinter(KEY, 'whatsapp');
    const messages = [message(), message({ text: 'ok' }), message(), message()];
    const { identities, occurrences } = fingerprintMessages(fingerprinter, new OccurrenceCounter(), messages);
    expect([...occurrences]).toEqual([0, 0, 1, 2]);
    expect(identities.length).toBe(64);
    expect(Buffer.from(identities.subarray(0, 16))).toEqual(fingerprinter.identity(messages[0]!, 0));
    expect(Buffer.from(identities.subarray(16, 32))).toEqual(fingerprinter.identity(messages[1]!, 0));
    expect(Buffer.from(identities.subarray(32, 48))).toEqual(fingerprinter.identity(messages[2]!, 1));
    expect(Buffer.from(identities.subarray(48, 64))).toEqual(fingerprinter.identity(messages[3]!, 2));
  });

  it('unkeyed, only the occurrences are counted (no fingerprints made)', () => {
    const fingerprinter = new ChatFingerprinter(KEY, 'whatsapp');
    const messages = [message(), message({ text: 'ok' }), message()];
    const { identities, occurrences } = fingerprintMessages(fingerprinter, new OccurrenceCounter(), messages, false);
    expect(identities.length).toBe(0);
    expect([...occurrences]).toEqual([0, 0, 1]);
  });

  it('fingerprintKey is the bytes of exactly that view', () => {
    const bytes = Uint8Array.from([1, 2, 3, 200, 255, 0]);
    expect(fingerprintKey(bytes.subarray(2, 5))).toBe(Buffer.from([3, 200, 255]).toString('latin1'));
    expect(fingerprintKey(bytes.subarray(2, 5)).length).toBe(3);
  });
});
