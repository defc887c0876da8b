/**
 * Publishes the audit chain head outside the workstation, so that a trail rewritten on the
 * workstation (even by someone who can use its signing key) disagrees with a record kept
 * elsewhere. Each publication signs a checkpoint at the head and sends it to the Trust's syslog
 * (ATNA-style) collector as one RFC 5424 message over TCP or TLS (RFC 5425 octet-counted
 * framing). Messages carry sequence numbers, hashes, fingerprints and a signature: no names, no
 * patient data. The collector's copy is what `verify-trail --witness SEQUENCE:HASH` compares with.
 */
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { hostname as osHostname } from 'node:os';
import { connect as connectTls } from 'node:tls';
import type { AuditCheckpoint } from '../../shared/domain/audit';

export interface SyslogTarget {
  readonly host: string;
  readonly port: number;
  /** `tls` for any collector off this machine; `tcp` only to a relay on this computer. */
  readonly transport: 'tcp' | 'tls';
  /** PEM of the CA that issued the collector's certificate (the system store otherwise). */
  readonly caPem?: string;
}

export interface PublishedHead {
  readonly checkpoint: AuditCheckpoint;
  /** SHA-256 of the workstation root key: which workstation this head belongs to. */
  readonly rootFingerprint: string;
  /** Why now: the interval timer, a lock or sign-out, or start-up. */
  readonly trigger: 'interval' | 'lock' | 'unlock';
}

// RFC 5424: facility 13 (log audit), severity 6 (informational).
const PRIORITY = 13 * 8 + 6;
// RFC 5612's enterprise number for documentation; an SD-ID a collector can filter on.
const SD_ID = 'wardscribe-head@32473';

/** One RFC 5424 message for a published head. */
export function formatHeadMessage(head: PublishedHead, host = osHostname()): string {
  const { checkpoint } = head;
  const param = (name: string, value: string | number) => `${name}="${String(value).replace(/["\\\]]/g, (character) => `\\${character}`)}"`;
  const structured =
    `[${SD_ID} ${param('sequence', checkpoint.sequence)} ${param('hash', checkpoint.entryHash)} ${param('createdUtc', checkpoint.createdUtc)}` +
    ` ${param('rootKey', head.rootFingerprint)} ${param('signingKey', checkpoint.keyFingerprint)} ${param('signature', checkpoint.signature)} ${param('trigger', head.trigger)}]`;
  const text = `Wardscribe audit chain head: entry ${checkpoint.sequence}, SHA-256 ${checkpoint.entryHash}`;
  return `<${PRIORITY}>1 ${checkpoint.createdUtc} ${printableAscii(host) || '-'} wardscribe ${process.pid} chain-head ${structured} \ufeff${text}`;
}

/** Sends messages to the collector over one connection, octet-counted; resolves when the collector has them. */
export function sendSyslog(target: SyslogTarget, messages: readonly string[], timeoutMs = 10_000): Promise<void> {
  if (target.transport === 'tcp' && !isLoopback(target.host)) {
    return Promise.reject(new Error('Plain TCP is allowed only to a syslog relay on this computer; use TLS for the collector.'));
  }
  return new Promise((resolve, reject) => {
    const send = () => {
      for (const message of messages) {
        const bytes = Buffer.from(message, 'utf8');
        socket.write(`${bytes.length} `);
        socket.write(bytes);
      }
      socket.end();
    };
    const socket: Socket =
      target.transport === 'tls'
        ? connectTls({ host: target.host, port: target.port, servername: isIP(target.host) ? undefined : target.host, ...(target.caPem ? { ca: target.caPem } : {}) }, send)
        : connectTcp({ host: target.host, port: target.port }, send);
    const fail = (error: Error) => {
      socket.destroy();
      reject(error);
    };
    socket.setTimeout(timeoutMs, () => fail(new Error('The syslog collector did not answer in time.')));
    socket.once('error', fail);
    socket.once('close', (hadError) => {
      if (!hadError) resolve();
    });
    socket.resume();
  });
}

export interface HeadPublisherOptions {
  readonly target: SyslogTarget;
  readonly intervalMs: number;
  /** Signs a checkpoint at the current head; null when no vault is open. */
  readonly sign: () => PublishedHead['checkpoint'] | null;
  readonly rootFingerprint: () => string | null;
  /** Reports the outcome (codes only). */
  readonly onOutcome?: (outcome: { readonly ok: boolean; readonly sequence: number; readonly code?: string }) => void;
}

/**
 * Publishes while a session is open: at unlock, every `intervalMs`, and at lock (the checkpoint
 * is signed before the vault closes; the send needs no vault). A failed send is kept and sent
 * with the next one, so a collector that was down receives every head it missed (up to 100).
 */
export class HeadPublisher {
  readonly #options: HeadPublisherOptions;
  #timer: NodeJS.Timeout | null = null;
  #pending: string[] = [];
  #sending: Promise<void> = Promise.resolve();

  constructor(options: HeadPublisherOptions) {
    this.#options = options;
  }

  start(): void {
    this.stop();
    this.publish('unlock');
    this.#timer = setInterval(() => this.publish('interval'), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and publishes the head as it stands at the lock. */
  stopWithFinalHead(): void {
    this.publish('lock');
    this.stop();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Signs now and sends in the background; resolves when this send has finished (for tests). */
  publish(trigger: PublishedHead['trigger']): Promise<void> {
    let checkpoint: AuditCheckpoint | null = null;
    let root: string | null = null;
    try {
      checkpoint = this.#options.sign();
      root = this.#options.rootFingerprint();
    } catch {
      checkpoint = null;
    }
    if (!checkpoint || !root) return this.#sending;
    this.#pending = [...this.#pending, formatHeadMessage({ checkpoint, rootFingerprint: root, trigger })].slice(-100);
    const sequence = checkpoint.sequence;
    this.#sending = this.#sending.then(async () => {
      const batch = this.#pending;
      if (batch.length === 0) return;
      try {
        await sendSyslog(this.#options.target, batch);
        this.#pending = this.#pending.slice(batch.length);
        this.#options.onOutcome?.({ ok: true, sequence });
      } catch (error) {
        this.#options.onOutcome?.({ ok: false, sequence, code: (error as NodeJS.ErrnoException).code ?? 'send-failed' });
      }
    });
    return this.#sending;
  }
}

function isLoopback(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost';
}

function printableAscii(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '').slice(0, 255);
}
