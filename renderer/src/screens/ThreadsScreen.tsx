import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { Virtuoso, type VirtuosoHandle } from 'react-virtuoso';
import { FLAG_NOTES, revealBidiControls } from '../../../shared/domain/chat';
import type { FiledMarkView, MessageView, ThreadSummary } from '../../../shared/ipc/contract';
import { senderLabel, plural } from '../components/format';
import { hostApi } from '../api';
import { useThreadWiped } from '../app/events';
import { useHostQuery } from '../app/data';
import { useNavigation, useRoute } from '../app/navigation';
import { isShortcut, SHORTCUTS } from '../app/shortcuts';
import { ErrorSummary, TextField } from '../components/forms';
import { displayDay, displayTime, displayWallClock } from '../components/format';
import { DateInput, joinDate, type DateParts } from '../components/DateInput';
import { WipeConfirmation } from './WipeConfirmation';
import { MessageMedia, useThreadMedia, type ThreadMediaState } from '../components/ThreadMedia';
import { queueLabel, sortRows, type Sort, type SortKey } from '../logic/work-queue';
import type { ThreadQueueRow } from '../../../shared/ipc/work-queue';
import { errorSentence } from '../logic/describe-error';

const PAGE_SIZE = 500;
/** Frames the scrolled-to row must stay put before the scroll to a search hit is done; and the most frames (about 5 s) it may take. */
const SCROLL_STEADY_FRAMES = 10;
const SCROLL_MAX_FRAMES = 300;
/** What the person does to scroll themselves, which ends the scroll to a hit. */
const USER_SCROLL_EVENTS = ['wheel', 'touchstart', 'keydown', 'mousedown'] as const;

type SearchHit = {
  threadId: string;
  threadTitle: string;
  messageId: string;
  ordinal: number;
  sender: string | null;
  localTime: string;
  instant: string | null;
  snippet: string;
  snippetRuns: { text: string; match: boolean }[];
  filed: FiledMarkView[];
};

/** How results are listed: main ranks by relevance or takes the newest; "as sent" lists the newest in the chat's own order. */
export type ResultOrder = 'relevance' | 'newest' | 'chronological';

/** How many messages above a search hit are shown with it, so the question it answers is in view. */
export const CONTEXT_BEFORE = 2;

/** Results in the chosen order: chronological is oldest first by instant (then thread, then position in it). */
export function orderHits(hits: readonly SearchHit[], order: ResultOrder): SearchHit[] {
  if (order !== 'chronological') return [...hits];
  const key = (hit: SearchHit) => hit.instant ?? hit.localTime;
  return [...hits].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.threadId === b.threadId ? a.ordinal - b.ordinal : a.threadId < b.threadId ? -1 : 1));
}

/** The snippet with the matched words marked (runs from main, so no markup is ever parsed). */
function Snippet({ runs, fallback }: { runs: readonly { text: string; match: boolean }[]; fallback: string }) {
  // A message found by its sender may have no text at all (a picture the export left out): said so, not left blank.
  if (runs.length === 0) return <>{fallback.trim() ? revealBidiControls(fallback) : <em>(no text: a picture or file the export left out)</em>}</>;
  return (
    <>
      {runs.map((run, index) =>
        run.match ? (
          <mark key={index} className="ws-hit" data-testid="hit-match">
            {revealBidiControls(run.text)}
          </mark>
        ) : (
          <span key={index}>{revealBidiControls(run.text)}</span>
        ),
      )}
    </>
  );
}

/** The messages just before a hit, fetched when asked for: what was asked, for the advice found. */
function HitContext({ hit }: { hit: SearchHit }) {
  const [before, setBefore] = useState<MessageView[] | null>(null);
  const first = Math.max(0, hit.ordinal - CONTEXT_BEFORE);
  useEffect(() => {
    if (hit.ordinal === 0) return;
    void hostApi()!
      .threads.messages({ threadId: hit.threadId, offset: first, limit: hit.ordinal - first })
      .then((result) => result.ok && setBefore(result.value.messages));
  }, [hit.threadId, hit.ordinal, first]);
  if (hit.ordinal === 0) return <p className="nhsuk-body-s ws-hit-context">The first message of the thread.</p>;
  if (!before) return null;
  return (
    <ol className="ws-hit-context" data-testid="hit-context" aria-label="The messages before it">
      {before.map((message) => (
        <li key={message.id} className="nhsuk-body-s">
          <strong>{senderLabel(message.sender)}</strong>, {displayWallClock(message.localTime, { seconds: true })}: {revealBidiControls(message.text)}
        </li>
      ))}
    </ol>
  );
}

/** "filed in document 123 (verified)": where a message's advice already went. */
export function describeFiled(marks: readonly FiledMarkView[]): string {
  return marks.map((mark) => `${mark.documentReferenceId ? `document ${mark.documentReferenceId}` : mark.identifier} (${mark.state})`).join(', ');
}

/** The mark beside a message whose advice is already filed (issue #18): the same advice is not filed twice by accident. */
function FiledBadge({ marks }: { marks: readonly FiledMarkView[] }) {
  if (marks.length === 0) return null;
  return (
    <span className="ws-flag ws-flag--warning" data-testid="filed-mark" title="This advice is already in the record. Filing it again asks why.">
      already filed: {describeFiled(marks)}
    </span>
  );
}

/** Threads in the vault, search across them, the open thread, and the wipe of its originals. */
export function ThreadsScreen() {
  const route = useRoute('threads');
  const [threads, setThreads] = useState<ThreadSummary[]>([]);
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [openId, setOpenId] = useState<string | undefined>(route.threadId);
  const [sort, setSort] = useState<Sort>({ key: 'lastActivity', descending: true });
  // Each thread's status, dates, importer and last activity in one query, kept current by main's events.
  const queue = useHostQuery('threads.queue', { includeWiped: false, limit: 2000 }, { refetchOn: ['threads.changed', 'drafts.changed', 'outbox.changed', 'thread.wiped'] });
  // The message to scroll to; `visit` changes on every choice, so a second hit in the open thread (or the same one again) scrolls too.
  const [focus, setFocus] = useState<{ ordinal: number; visit: number } | undefined>(undefined);
  const visits = useRef(0);
  const focusOn = (ordinal: number | undefined) => setFocus(ordinal === undefined ? undefined : { ordinal, visit: ++visits.current });
  const [order, setOrder] = useState<ResultOrder>('relevance');
  const lastQuery = useRef<string | null>(null);
  // The thread whose wipe is being confirmed (or whose certificate is shown once it is done).
  const [wiping, setWiping] = useState<{ id: string; title: string } | null>(null);

  const loadThreads = useCallback(() => {
    void hostApi()!
      .threads.list({})
      .then((result) => (result.ok ? setThreads(result.value) : setError(errorSentence(result.error))));
  }, []);
  useEffect(loadThreads, [loadThreads]);

  // A wiped thread leaves nothing behind here: the list is asked for again, and its open view
  // (with its selection and loaded messages), its search results and any focus on it are dropped.
  const drop = useCallback(
    (threadId: string) => {
      setThreads((current) => current.filter((thread) => thread.id !== threadId));
      setHits((current) => current?.filter((hit) => hit.threadId !== threadId) ?? null);
      setOpenId((current) => (current === threadId ? undefined : current));
      setFocus(undefined);
      loadThreads();
    },
    [loadThreads],
  );
  useThreadWiped(drop);

  // Back from the wipe: focus returns to the screen's heading, as after any navigation.
  const headingRef = useRef<HTMLHeadingElement>(null);
  const wasWiping = useRef(false);
  useEffect(() => {
    if (wiping) wasWiping.current = true;
    else if (wasWiping.current) {
      wasWiping.current = false;
      headingRef.current?.focus();
    }
  }, [wiping]);

  async function runSearch(query: string, chosen: ResultOrder) {
    lastQuery.current = query;
    const result = await hostApi()!.threads.search({ query, limit: 100, order: chosen === 'relevance' ? 'relevance' : 'newest' });
    if (result.ok) {
      setHits(orderHits(result.value, chosen));
      setError(null);
    } else if (result.error.code !== 'cancelled') setError(errorSentence(result.error));
  }
  function search(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void runSearch(String(new FormData(event.currentTarget).get('search-query') ?? ''), order);
  }
  function reorder(next: ResultOrder) {
    setOrder(next);
    if (lastQuery.current !== null) void runSearch(lastQuery.current, next);
  }

  const open = threads.find((thread) => thread.id === openId);
  if (wiping) {
    return (
      <section aria-labelledby="threads-heading">
        <h1 id="threads-heading" tabIndex={-1}>
          Threads
        </h1>
        <WipeConfirmation key={wiping.id} threadId={wiping.id} title={wiping.title} onClose={() => setWiping(null)} onWiped={drop} />
      </section>
    );
  }
  return (
    <section aria-labelledby="threads-heading">
      <h1 id="threads-heading" tabIndex={-1} ref={headingRef}>
        Threads
      </h1>
      {error && (
        <ErrorSummary title="Something went wrong">
          <p>{error}</p>
        </ErrorSummary>
      )}
      <form onSubmit={search} className="ws-search" role="search">
        <TextField id="search-query" label="Search all threads" hint="Words in any message, or who sent it, for finding advice or answering an information request. A word finds the words it starts and its other forms (cipro finds ciprofloxacin, allergy finds allergic); a name finds that person’s messages (Tom Reed, or Reed heparin); put words in quotes for exactly that phrase." />
        <fieldset className="nhsuk-fieldset ws-search-order">
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Show results</legend>
          <div className="nhsuk-radios nhsuk-radios--inline nhsuk-radios--small">
            {(
              [
                ['relevance', 'Best match first'],
                ['newest', 'Newest first'],
                ['chronological', 'In the order sent'],
              ] as const
            ).map(([value, label]) => (
              <div className="nhsuk-radios__item" key={value}>
                <input className="nhsuk-radios__input" id={`search-order-${value}`} type="radio" name="search-order" checked={order === value} onChange={() => reorder(value)} />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`search-order-${value}`}>
                  {label}
                </label>
              </div>
            ))}
          </div>
        </fieldset>
        <button className="nhsuk-button nhsuk-button--secondary" type="submit">
          Search
        </button>
      </form>
      {hits && (
        <div data-testid="search-results">
          <h2>
            {hits.length} result{hits.length === 1 ? '' : 's'}
          </h2>
          {order !== 'relevance' && hits.length === 100 && <p className="nhsuk-body-s">The newest 100 matches; search for more words to narrow them.</p>}
          <ul className="nhsuk-list ws-hits">
            {hits.map((hit) => (
              <li key={hit.messageId} data-testid="search-hit">
                <HitContext hit={hit} />
                <button
                  type="button"
                  className="ws-link-button"
                  onClick={() => {
                    setOpenId(hit.threadId);
                    focusOn(hit.ordinal);
                  }}
                >
                  {hit.threadTitle}: {senderLabel(hit.sender)}, {displayWallClock(hit.localTime, { seconds: true })}
                </button>{' '}
                — <Snippet runs={hit.snippetRuns} fallback={hit.snippet} /> <FiledBadge marks={hit.filed} />
              </li>
            ))}
          </ul>
        </div>
      )}
      <nav aria-label="Threads in the vault" className="ws-thread-list">
        {threads.length === 0 ? (
          <p>No threads yet. Import a chat export first.</p>
        ) : (
          <QueueTable
            rows={sortRows(queue.data ?? [], sort)}
            openId={openId}
            sort={sort}
            onSort={(key) => setSort((current) => ({ key, descending: current.key === key ? !current.descending : key === 'lastActivity' || key === 'messages' }))}
            onOpen={(id) => {
              setFocus(undefined);
              setOpenId(id);
            }}
          />
        )}
      </nav>
      {/* The open thread below the queue, scrolled by the window itself so it fills the screen. */}
      {open && <ThreadView key={open.id} thread={open} focus={focus} onWipe={() => setWiping({ id: open.id, title: open.title })} onRenamed={loadThreads} />}
    </section>
  );
}

/**
 * One thread, virtualised with variable row heights; messages are fetched a page at a time as
 * they scroll into view, so a 100k-message thread costs no more than a short one.
 */
function ThreadView({ thread, focus, onWipe, onRenamed }: { thread: ThreadSummary; focus: { ordinal: number; visit: number } | undefined; onWipe: () => void; onRenamed: () => void }) {
  const navigation = useNavigation();
  const media = useThreadMedia(thread.id);
  const list = useRef<VirtuosoHandle>(null);
  const loading = useRef(new Set<number>());
  const [, setVersion] = useState(0);
  // The hit with the messages before it in view. The list sits below the queue and the window
  // scrolls, and rows are measured only once drawn, so one scroll is not enough: rows above the
  // target change height as they load and push it away. Until the first message of the context has
  // stayed at the top for a few frames, each frame either asks Virtuoso to draw that place or
  // scrolls the drawn row to the top. The person scrolling or typing ends it at once.
  const container = useRef<HTMLDivElement>(null);
  // A jump to a date puts the day's first message at the top, by its place in the thread.
  const [jump, setJump] = useState<{ index: number; ordinal: number; visit: number } | undefined>(undefined);
  // A search hit to show: where it is shown, asked of main, since a merged thread shows its
  // messages by time and a message's number is then not its place (a ward trial: a hit in a
  // merged thread opened elsewhere). A new hit supersedes an earlier jump.
  const [hitPlace, setHitPlace] = useState<{ index: number; ordinal: number; visit: number } | undefined>(undefined);
  useEffect(() => {
    setJump(undefined);
    setHitPlace(undefined);
    if (!focus) return;
    let current = true;
    void hostApi()!
      .threads.placeOf({ threadId: thread.id, ordinal: focus.ordinal })
      .then((result) => current && result.ok && result.value && setHitPlace({ index: result.value.index, ordinal: focus.ordinal, visit: focus.visit }));
    return () => {
      current = false;
    };
  }, [focus, thread.id]);
  const place = jump ?? (hitPlace ? { index: Math.max(0, hitPlace.index - CONTEXT_BEFORE) } : undefined);
  const placeKey = jump ? `jump ${jump.visit}` : hitPlace ? `hit ${hitPlace.visit}` : '';
  // Opened from the list (not at a hit): the thread comes into view with its heading focused.
  useEffect(() => {
    if (focus) return;
    container.current?.scrollIntoView({ block: 'start' });
    container.current?.querySelector<HTMLElement>('h2')?.focus({ preventScroll: true });
    // On opening only.
  }, []);
  const jumps = useRef(0);
  const [jumpDay, setJumpDay] = useState<DateParts>({ day: '', month: '', year: '' });
  const [jumpProblem, setJumpProblem] = useState<string | null>(null);
  // A problem with the date is shown at the date, in view, with the focus on its first field (a
  // ward trial: after scrolling the thread, the message appeared off screen and nothing moved).
  const jumpForm = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (!jumpProblem) return;
    jumpForm.current?.scrollIntoView({ block: 'nearest' });
    jumpForm.current?.querySelector<HTMLInputElement>('input')?.focus({ preventScroll: true });
  }, [jumpProblem]);
  async function goToDate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const day = joinDate(jumpDay, 'jump-date', 'The date');
    if (day.kind !== 'date') return setJumpProblem(day.kind === 'empty' ? 'Enter the date to go to, as day, month and year.' : day.message);
    const result = await hostApi()!.threads.firstMessageFrom({ threadId: thread.id, day: day.value });
    if (!result.ok) return setJumpProblem(errorSentence(result.error));
    if (result.value === null) return setJumpProblem(`No message in this thread was sent on or after ${displayDay(day.value)}.`);
    setJumpProblem(null);
    setJump({ ...result.value, visit: ++jumps.current });
  }
  useEffect(() => {
    if (!place) return;
    const { index: target } = place;
    // The hit itself takes the focus once it is in place, so the keyboard carries on from it.
    const hitOrdinal = jump ? null : (hitPlace?.ordinal ?? null);
    let steadyFrames = 0;
    let frames = 0;
    let handle = 0;
    const stop = () => {
      cancelAnimationFrame(handle);
      for (const type of USER_SCROLL_EVENTS) window.removeEventListener(type, stop, true);
    };
    const step = () => {
      frames++;
      // By its place in the list (Virtuoso marks each drawn row with its index), never by its number.
      const row = container.current?.querySelector<HTMLElement>(`[data-index="${target}"]`);
      if (!row) {
        steadyFrames = 0;
        list.current?.scrollToIndex({ index: target, align: 'start' });
      } else if (Math.abs(row.getBoundingClientRect().top) > 1 && window.scrollY + window.innerHeight < document.documentElement.scrollHeight - 1) {
        steadyFrames = 0;
        row.scrollIntoView({ block: 'start' });
      } else steadyFrames++;
      if (steadyFrames < SCROLL_STEADY_FRAMES && frames < SCROLL_MAX_FRAMES) handle = requestAnimationFrame(step);
      else {
        stop();
        if (hitOrdinal !== null) container.current?.querySelector<HTMLElement>(`[data-ordinal="${hitOrdinal}"] input[type="checkbox"]`)?.focus({ preventScroll: true });
      }
    };
    for (const type of USER_SCROLL_EVENTS) window.addEventListener(type, stop, true);
    handle = requestAnimationFrame(step);
    return stop;
    // One scroll per visit (placeKey), though `place` is rebuilt on every render.
  }, [placeKey]);
  const pages = useRef(new Map<number, MessageView[]>());
  const transcribe = useCallback(
    (chosen: ReadonlySet<number>) => {
      if (chosen.size === 0) return;
      navigation.go({ screen: 'compose', selection: { threadId: thread.id, ordinals: [...chosen].sort((a, b) => a - b) } });
    },
    [navigation, thread.id],
  );
  // Selected messages by ordinal; shift-click (or Shift+Space) extends from the last one chosen.
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const anchor = useRef<number | null>(null);
  /** Ordinals of the system lines on the pages loaded so far (a range selection skips them). */
  const systemOrdinals = useRef(new Set<number>());

  const toggle = (ordinal: number, extend: boolean) => {
    setSelected((current) => {
      const next = new Set(current);
      if (extend && anchor.current !== null) {
        const [from, to] = anchor.current < ordinal ? [anchor.current, ordinal] : [ordinal, anchor.current];
        // System lines ("Messages are end-to-end encrypted", "X added Y") are no one's advice: never selected.
        for (let index = from; index <= to; index++) if (!systemOrdinals.current.has(index)) next.add(index);
      } else if (next.has(ordinal)) next.delete(ordinal);
      else next.add(ordinal);
      return next;
    });
    anchor.current = ordinal;
  };

  const ensurePage = useCallback(
    (page: number) => {
      if (pages.current.has(page) || loading.current.has(page)) return;
      loading.current.add(page);
      void hostApi()!
        .threads.messages({ threadId: thread.id, offset: page * PAGE_SIZE, limit: PAGE_SIZE })
        .then((result) => {
          loading.current.delete(page);
          if (result.ok) {
            pages.current.set(page, result.value.messages);
            for (const message of result.value.messages) if (message.kind === 'system') systemOrdinals.current.add(message.ordinal);
            setVersion((version) => version + 1);
          }
        });
    },
    [thread.id],
  );

  useEffect(() => ensurePage(0), [ensurePage]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!isShortcut(event, 'transcribe')) return;
      event.preventDefault();
      transcribe(selected);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [transcribe, selected]);

  // Selected messages whose advice is already filed: transcribing them again asks why.
  const selectedFiled = [...pages.current.values()].flat().filter((message) => selected.has(message.ordinal) && message.filed.length > 0).length;

  return (
    <div aria-label={`Messages in ${thread.title}`} role="region" ref={container}>
      <ThreadTitle thread={thread} onRenamed={onRenamed} />
      {media.viewer}
      {media.problem && <p className="ws-media__problem">The thread's pictures and files could not be listed: {media.problem}</p>}
      <p className="nhsuk-body-s">
        {plural(thread.messageCount, 'message')}, times in {thread.zone}. Select the advice to transcribe: click, or Space; Shift extends the selection.
      </p>
      <form className="ws-jump-date" onSubmit={(event) => void goToDate(event)} noValidate ref={jumpForm}>
        <DateInput id="jump-date" legend="Go to a date" hint="The first message sent on or after it comes to the top." value={jumpDay} error={jumpProblem ?? undefined} onChange={setJumpDay} />
        <button type="submit" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small">
          Go to date
        </button>
      </form>
      <div className="ws-selection-bar">
        <span data-testid="selection-count">{selected.size} selected</span>
        {selectedFiled > 0 && (
          <span className="ws-flag ws-flag--warning" data-testid="selection-filed">
            {selectedFiled} already filed: you will be asked to confirm and say why
          </span>
        )}
        <button
          type="button"
          className="nhsuk-button nhsuk-button--small"
          disabled={selected.size === 0}
          aria-keyshortcuts="Alt+T"
          onClick={() => transcribe(selected)}
        >
          Transcribe selected <span className="ws-shortcut-hint">({SHORTCUTS.transcribe.label})</span>
        </button>
        {selected.size > 0 && (
          <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        )}
        <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small ws-selection-bar__end" onClick={onWipe}>
          Wipe originals…
        </button>
      </div>
      {/* The page itself scrolls the messages, so the thread uses the whole window at any size. */}
      <Virtuoso
        useWindowScroll
        // Messages just outside the window are drawn too, so keyboard and Shift-click selection reach them.
        increaseViewportBy={{ top: 800, bottom: 1200 }}
        totalCount={thread.messageCount}
        ref={list}
        itemContent={(index) => {
          const page = Math.floor(index / PAGE_SIZE);
          const message = pages.current.get(page)?.[index % PAGE_SIZE];
          if (!message) {
            ensurePage(page);
            return <div className="ws-message ws-message--loading">Loading…</div>;
          }
          const previous = index > 0 ? pages.current.get(Math.floor((index - 1) / PAGE_SIZE))?.[(index - 1) % PAGE_SIZE] : undefined;
          const newDay = index === 0 || (previous !== undefined && previous.localTime.slice(0, 10) !== message.localTime.slice(0, 10));
          return (
            <>
              {newDay && (
                <h3 className="ws-date-separator" data-testid="date-separator">
                  {displayDay(message.localTime)}
                </h3>
              )}
              <MessageRow message={message} hit={focus?.ordinal === message.ordinal} selected={selected.has(message.ordinal)} onToggle={(extend) => toggle(message.ordinal, extend)} media={media} />
            </>
          );
        }}
      />
    </div>
  );
}

/** The thread's name, and renaming it (an export may give none: "Untitled chat"). */
function ThreadTitle({ thread, onRenamed }: { thread: ThreadSummary; onRenamed: () => void }) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(thread.title);
  const [problem, setProblem] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (editing) input.current?.focus();
  }, [editing]);
  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const result = await hostApi()!.threads.rename({ threadId: thread.id, title });
    if (!result.ok) return setProblem(errorSentence(result.error));
    setProblem(null);
    setEditing(false);
    onRenamed();
  }
  if (!editing) {
    return (
      <div className="ws-thread-title">
        <h2 tabIndex={-1}>{thread.title}</h2>
        <button
          type="button"
          className="ws-link-button"
          onClick={() => {
            setTitle(thread.title);
            setEditing(true);
          }}
        >
          Rename<span className="nhsuk-u-visually-hidden"> this chat</span>
        </button>
      </div>
    );
  }
  return (
    <form className="ws-thread-title" onSubmit={(event) => void save(event)} noValidate>
      <TextField id="thread-title" label="Name of this chat" hint="Notes filed from now on name the chat this way; notes filed before keep the name they were filed under." value={title} error={problem} ref={input} onChange={(event) => setTitle(event.target.value)} />
      <button type="submit" className="nhsuk-button nhsuk-button--small">
        Save name
      </button>{' '}
      <button type="button" className="nhsuk-button nhsuk-button--secondary nhsuk-button--small" onClick={() => setEditing(false)}>
        Cancel
      </button>
    </form>
  );
}

function MessageRow({
  message,
  hit,
  selected,
  onToggle,
  media,
}: {
  message: MessageView;
  hit: boolean;
  selected: boolean;
  onToggle: (extend: boolean) => void;
  media: ThreadMediaState;
}) {
  const system = message.kind === 'system';
  const attached = media.forMessage(message.id);
  return (
    <article
      className={`ws-message${system ? ' ws-message--system' : ''}${selected ? ' ws-message--selected' : ''}${hit ? ' ws-message--hit' : ''}`}
      data-testid="message"
      data-hit={hit ? 'true' : undefined}
      data-ordinal={message.ordinal}
      // Shift-click extends the message selection; it should not also select text.
      onMouseDown={(event) => {
        if (event.shiftKey) event.preventDefault();
      }}
      onClick={(event) => {
        if (!system && (event.target as HTMLElement).tagName !== 'INPUT') onToggle(event.shiftKey);
      }}
    >
      <header className="ws-message__head">
        {!system && (
          <input
            type="checkbox"
            className="ws-message__select"
            checked={selected}
            aria-label={`Select message from ${senderLabel(message.sender)} at ${displayWallClock(message.localTime, { seconds: true })}`}
            onChange={() => {}}
            onClick={(event) => {
              event.stopPropagation();
              onToggle(event.shiftKey);
            }}
            onKeyDown={(event) => {
              if (event.key === ' ') {
                event.preventDefault();
                onToggle(event.shiftKey);
              }
            }}
          />
        )}{' '}
        <strong>{senderLabel(message.sender)}</strong> <time dateTime={message.instant ?? undefined}>{displayWallClock(message.localTime, { seconds: true })}</time>
        {message.flags
          .filter((flag) => flag !== 'system')
          .map((flag) => (
            <span key={flag} className={`ws-flag${FLAG_NOTES[flag].review ? ' ws-flag--warning' : ''}`} title={FLAG_NOTES[flag].why}>
              {FLAG_NOTES[flag].label}
            </span>
          ))}
      </header>
      {hit && <span className="ws-flag" data-testid="hit-label">search result</span>}
      <FiledBadge marks={message.filed} />
      <p className="ws-message__text">{revealBidiControls(message.text)}</p>
      {attached.length > 0 && media.urls ? (
        <MessageMedia items={attached} urls={media.urls} onOpen={media.open} />
      ) : (
        message.attachment && <p className="nhsuk-body-s">Attachment: {message.attachment}</p>
      )}
    </article>
  );
}

const COLUMNS: readonly { key: SortKey; label: string }[] = [
  { key: 'title', label: 'Thread' },
  { key: 'status', label: 'Status' },
  { key: 'messages', label: 'Messages' },
  { key: 'from', label: 'Dates' },
  { key: 'importedBy', label: 'Imported by' },
  { key: 'lastActivity', label: 'Last activity' },
];

/** The work queue: every thread with where it stands, sortable by each column. */
function QueueTable({ rows, openId, sort, onSort, onOpen }: { rows: readonly ThreadQueueRow[]; openId: string | undefined; sort: Sort; onSort: (key: SortKey) => void; onOpen: (id: string) => void }) {
  return (
    <table className="nhsuk-table ws-queue" data-testid="thread-queue">
      <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Threads and where each stands; choose a column heading to sort</caption>
      <thead className="nhsuk-table__head">
        <tr>
          {COLUMNS.map((column) => (
            <th scope="col" key={column.key} aria-sort={sort.key === column.key ? (sort.descending ? 'descending' : 'ascending') : undefined}>
              <button type="button" className="ws-link-button ws-sort" onClick={() => onSort(column.key)}>
                {column.label}
                {sort.key === column.key ? <span aria-hidden="true">{sort.descending ? ' ▼' : ' ▲'}</span> : null}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody className="nhsuk-table__body">
        {rows.map((row) => (
          <tr key={row.id} data-testid="queue-row">
            <td>
              <button type="button" className="ws-link-button" aria-current={row.id === openId ? 'true' : undefined} onClick={() => onOpen(row.id)}>
                {row.title ?? 'Untitled chat'}
              </button>
            </td>
            <td data-testid="queue-status">{queueLabel(row)}</td>
            <td>{row.messageCount}</td>
            <td>{row.firstInstant ? `${displayDay(row.firstInstant)} to ${displayDay(row.lastInstant ?? row.firstInstant)}` : 'unknown'}</td>
            <td>{row.importedBy?.displayName ?? 'not known'}</td>
            <td>
              {displayTime(row.lastActivityAt)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
