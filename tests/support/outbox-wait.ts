import type { OutboxView } from '../../main/transcriptions/transcription-service';

/** Polls an outbox view until it reaches one of `kinds` (the runner files in the background). */
export async function untilOutboxState(read: () => OutboxView | undefined, kinds: readonly string[], timeoutMs = 20_000): Promise<OutboxView> {
  const started = Date.now();
  for (;;) {
    const view = read();
    if (view && kinds.includes(view.state)) return view;
    if (Date.now() - started > timeoutMs) throw new Error(`outbox item still ${view?.state}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
