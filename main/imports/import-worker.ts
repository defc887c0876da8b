/**
 * The import worker: reads one chat export off the main thread. It hashes the file, parses it
 * (streaming, line by line) and hands the messages over in chunk-sized reports, then hands over
 * attachment bytes on request. It never opens the vault: the main side writes, so the vault's
 * connection and key stay where they are.
 *
 * Runs as a worker_threads Worker (Node, the Chromium host, tests) or as an Electron utility
 * process; both give it a port with the same message semantics. Built as its own entry
 * (out/main/import-worker.js, see scripts/build.mjs).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { parentPort as threadParentPort } from 'node:worker_threads';
import { WardscribeError } from '../errors';
import { openChatExport, type ChatImport } from '../importers';
import { ChatFingerprinter, fingerprintMessages, OccurrenceCounter } from './chat-identity';
import { packMessages, type FromImportWorker, type ImportTask, type ToImportWorker } from './import-worker-protocol';

/** The part of a port both hosts share. */
interface WorkerPort {
  post(message: FromImportWorker, transfer?: ArrayBuffer[]): void;
  listen(listener: (message: ToImportWorker) => void): void;
}

/** Electron's utility-process port (`process.parentPort`), typed here so main/ needs no electron import. */
interface UtilityParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
}

function workerPort(): WorkerPort {
  const utility = (process as { parentPort?: UtilityParentPort }).parentPort;
  if (utility) {
    return {
      // A utility process's port cannot transfer ArrayBuffers; attachment bytes are copied.
      post: (message) => utility.postMessage(message),
      listen: (listener) => utility.on('message', (event) => listener(event.data as ToImportWorker)),
    };
  }
  if (threadParentPort) {
    const port = threadParentPort;
    return {
      post: (message, transfer) => port.postMessage(message, transfer),
      listen: (listener) => port.on('message', (message: ToImportWorker) => listener(message)),
    };
  }
  throw new Error('The import worker must run as a worker thread or a utility process.');
}

/** Messages in the worker's queue, one entry per request the main side sent. */
class Inbox {
  readonly #queued: ToImportWorker[] = [];
  #waiting: ((message: ToImportWorker) => void) | null = null;

  deliver(message: ToImportWorker): void {
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = null;
      waiting(message);
    } else this.#queued.push(message);
  }

  next(): Promise<ToImportWorker> {
    const queued = this.#queued.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  async expect<T extends ToImportWorker['type']>(type: T): Promise<Extract<ToImportWorker, { type: T }>> {
    const message = await this.next();
    if (message.type !== type) throw new Error(`import worker: expected ${type}, got ${message.type}`);
    return message as Extract<ToImportWorker, { type: T }>;
  }
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') throw new WardscribeError('not-found', 'The export file cannot be opened.');
    throw error;
  }
  return hash.digest('hex');
}

async function readAll(stream: Readable, limit: number): Promise<Uint8Array | null> {
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of stream) {
      length += (chunk as Buffer).length;
      if (length > limit) return null;
      chunks.push(chunk as Buffer);
    }
  } finally {
    stream.destroy();
  }
  // A fresh buffer of its own, so it can be transferred without taking a pooled slab along.
  const content = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    content.set(chunk, at);
    at += chunk.length;
  }
  return content;
}

async function run(port: WorkerPort, inbox: Inbox): Promise<void> {
  const { task } = await inbox.expect('start');
  // A copy of the key came with the task; it is zeroed when the worker is done with it.
  try {
    await readExport(port, inbox, task);
  } finally {
    task.identityKey.fill(0);
  }
}

async function readExport(port: WorkerPort, inbox: Inbox, task: ImportTask): Promise<void> {
  port.post({ type: 'hashed', sha256: await sha256OfFile(task.path) });
  await inbox.expect('parse');

  let bytesDone = 0;
  let bytesTotal = 0;
  const chat: ChatImport = await openChatExport(task.path, {
    zone: task.zone,
    ...(task.dateOrder === undefined ? {} : { dateOrder: task.dateOrder }),
    ...(task.password === undefined ? {} : { password: task.password }),
    onProgress: (done, total) => {
      bytesDone = done;
      bytesTotal = total ?? done;
    },
  });
  try {
    port.post({ type: 'opened', source: chat.source });
    await streamMessages(port, inbox, task, chat, () => ({ bytesDone, bytesTotal }));
    for (;;) {
      const request = await inbox.expect('media');
      const content = await readAll(await chat.openMedia(request.name), task.maxAttachmentBytes);
      port.post({ type: 'media', name: request.name, content }, content ? [content.buffer as ArrayBuffer] : []);
    }
  } finally {
    await chat.close().catch(() => undefined);
  }
}

/** Sends the messages chunk by chunk, never more than `messagesInFlight` reports ahead of the writer. */
async function streamMessages(port: WorkerPort, inbox: Inbox, task: ImportTask, chat: ChatImport, bytes: () => { bytesDone: number; bytesTotal: number }): Promise<void> {
  let inFlight = 0;
  let fingerprinter: ChatFingerprinter | null = null;
  const counter = new OccurrenceCounter();
  for (;;) {
    const next = await chat.batches.next();
    if (next.done) {
      port.post({ type: 'thread', thread: next.value });
      while (inFlight > 0) {
        await inbox.expect('ack');
        inFlight--;
      }
      return;
    }
    while (inFlight >= task.messagesInFlight) {
      await inbox.expect('ack');
      inFlight--;
    }
    // The source family is known from the first message (iOS and Android WhatsApp share one).
    fingerprinter ??= new ChatFingerprinter(task.identityKey, chat.source);
    const { identities, occurrences } = fingerprintMessages(fingerprinter, counter, next.value, keyed);
    const messages = packMessages(next.value);
    const { bytesDone, bytesTotal } = bytes();
    port.post(
      { type: 'messages', messages, identities, occurrences, bytesDone, bytesTotal: Math.max(bytesTotal, bytesDone) },
      [messages.lengths.buffer as ArrayBuffer, messages.numbers.buffer as ArrayBuffer, identities.buffer as ArrayBuffer, occurrences.buffer as ArrayBuffer],
    );
    inFlight++;
  }
}

const port = workerPort();
const inbox = new Inbox();
/** False once the main side says it needs no more fingerprints (see 'unkeyed'). */
let keyed = true;
port.listen((message) => {
  // A switch, not a request: it is not queued behind the acks the stream waits for.
  if (message.type === 'unkeyed') keyed = false;
  else inbox.deliver(message);
});
run(port, inbox).catch((error: unknown) => {
  // Only a WardscribeError's message is written for users; any other message could quote the export.
  if (error instanceof WardscribeError) port.post({ type: 'failed', code: error.code, message: error.message });
  else port.post({ type: 'failed', code: 'internal', message: '' });
});
