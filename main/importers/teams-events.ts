/**
 * Readable text for Microsoft Teams system events. Graph gives them an empty body
 * (`<systemEventMessage/>`) and puts what happened in `eventDetail`, whose `@odata.type` names
 * the event (`#microsoft.graph.membersAddedEventMessageDetail`, `…callEndedEventMessageDetail`).
 * People are named by `displayName`, which Graph often leaves null: then they are counted.
 */

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' && value.trim() !== '' ? value.trim() : null);

/** A display name from an identitySet (`{ user | application | device: { displayName } }`) or a teamworkUserIdentity. */
function nameOf(identity: unknown): string | null {
  if (!isObject(identity)) return null;
  const direct = text(identity.displayName);
  if (direct) return direct;
  for (const key of ['user', 'application', 'device']) {
    const inner = identity[key];
    if (isObject(inner) && text(inner.displayName)) return text(inner.displayName);
  }
  return null;
}

/** "Dr Ada Shah and Dr Ben Okoro", "2 people", "Dr Ada Shah and 1 other person"; null for nobody listed. */
function people(list: unknown): string | null {
  const entries = Array.isArray(list) ? list : [];
  const names = entries.map(nameOf).filter((name): name is string => name !== null);
  const unnamed = entries.length - names.length;
  if (entries.length === 0) return null;
  if (names.length === 0) return unnamed === 1 ? '1 person' : `${unnamed} people`;
  const parts = unnamed > 0 ? [...names, unnamed === 1 ? '1 other person' : `${unnamed} other people`] : names;
  return parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}`;
}

/** ": Dr Ada Shah and 1 other person", or nothing when the event lists nobody. */
function listed(members: unknown): string {
  const who = people(members);
  return who ? `: ${who}` : '';
}

/** " (by Dr Ada Shah)" when the initiator is named. */
function by(detail: Json): string {
  const name = nameOf(detail.initiator);
  return name ? ` (by ${name})` : '';
}

/** ISO 8601 durations as Graph writes them ("PT59S", "PT1H2M", "PT40M19.26S") in words; null when not one. */
export function durationInWords(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!match || value === 'P' || value === 'PT') return null;
  const [days, hours, minutes, seconds] = [match[1], match[2], match[3], match[4]].map((part) => (part === undefined ? 0 : Number(part))) as [number, number, number, number];
  return secondsInWords(((days * 24 + hours) * 60 + minutes) * 60 + seconds);
}

/** A length of time in seconds in words: "2 min 5 s", "1 h 2 min", "0 s". */
export function secondsInWords(value: number): string {
  const total = Math.max(0, Math.round(value));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const parts: string[] = [];
  if (h > 0) parts.push(`${h} h`);
  if (m > 0) parts.push(`${m} min`);
  if (s > 0 || parts.length === 0) parts.push(`${s} s`);
  return parts.join(' ');
}

/** "Call", "Meeting" or "Screen sharing", from the call event type. */
function callKind(detail: Json): string {
  return detail.callEventType === 'meeting' ? 'Meeting' : detail.callEventType === 'screenShare' ? 'Screen sharing' : 'Call';
}

/** The event's name from its type: "#microsoft.graph.teamRenamedEventMessageDetail" gives "Team renamed". */
function eventName(type: string): string {
  const bare = type.replace(/^#?microsoft\.graph\./, '').replace(/EventMessageDetail$/, '');
  const words = bare.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * The text shown for a system event, or null when the detail names no event (then the body is
 * used as it is). Unknown event types still get their name in words, never an empty message.
 */
export function teamsEventText(detail: Json): string | null {
  const type = text(detail['@odata.type']);
  if (!type) return null;
  const kind = type.replace(/^#?microsoft\.graph\./, '');
  switch (kind) {
    case 'membersAddedEventMessageDetail':
      return `Added to the chat${listed(detail.members)}${by(detail)}`;
    case 'membersDeletedEventMessageDetail':
      return `Removed from the chat${listed(detail.members)}${by(detail)}`;
    case 'membersJoinedEventMessageDetail':
      return `Joined the chat${listed(detail.members)}`;
    case 'membersLeftEventMessageDetail':
      return `Left the chat${listed(detail.members)}`;
    case 'callEndedEventMessageDetail': {
      const length = durationInWords(detail.callDuration);
      const participants = Array.isArray(detail.callParticipants) ? detail.callParticipants.map((entry) => (isObject(entry) ? entry.participant : null)) : [];
      const who = people(participants);
      return `${callKind(detail)} ended${length ? ` after ${length}` : ''}${who ? `; participants: ${who}` : ''}`;
    }
    case 'callStartedEventMessageDetail':
      return `${callKind(detail)} started${by(detail)}`;
    case 'callRecordingEventMessageDetail': {
      const length = durationInWords(detail.callRecordingDuration);
      const name = text(detail.callRecordingDisplayName);
      return `Call recording${name ? ` "${name}"` : ''}${length ? ` (${length})` : ''} ${detail.callRecordingStatus === 'failure' ? 'failed' : 'saved'}`;
    }
    case 'callTranscriptEventMessageDetail':
      return 'Call transcript saved';
    case 'chatRenamedEventMessageDetail': {
      const name = text(detail.chatDisplayName);
      return `${name ? `Chat renamed to "${name}"` : 'Chat name removed'}${by(detail)}`;
    }
    case 'messagePinnedEventMessageDetail':
      return `A message was pinned${by(detail)}`;
    case 'messageUnpinnedEventMessageDetail':
      return `A message was unpinned${by(detail)}`;
    case 'conversationMemberRoleUpdatedEventMessageDetail': {
      // Who may add people or change the chat is part of the record of who was responsible.
      const who = nameOf(detail.conversationMemberUser);
      const role = text(detail.conversationMemberRoleUpdated);
      return `Role changed${who ? ` for ${who}` : ''}${role ? ` to "${role}"` : ''}${by(detail)}`;
    }
    case 'teamsAppInstalledEventMessageDetail':
    case 'teamsAppRemovedEventMessageDetail':
    case 'teamsAppUpgradedEventMessageDetail': {
      const app = text(detail.teamsAppDisplayName) ?? text(detail.teamsAppId);
      const done = kind === 'teamsAppInstalledEventMessageDetail' ? 'installed' : kind === 'teamsAppRemovedEventMessageDetail' ? 'removed' : 'upgraded';
      return `Teams app ${done}${app ? `: "${app}"` : ''}${by(detail)}`;
    }
    default: {
      // Teams, channels and apps: the event in words, and the name it carries, if any.
      const subject = text(detail.teamDisplayName) ?? text(detail.channelDisplayName) ?? text(detail.chatDisplayName) ?? text(detail.teamsAppDisplayName);
      return `${eventName(type)}${subject ? `: "${subject}"` : ''}${by(detail)}`;
    }
  }
}

/**
 * A Teams chat's title, as Teams names it. Graph's message list does not carry the chat's topic
 * or its members, so both are gathered from the messages: the topic is the last
 * chatRenamedEventMessageDetail's name (a rename to nothing removes it); without one, the chat
 * is named from its members other than the exporting user (known when the page's @odata.context
 * names `users('…')`), in the order they first appear: everyone who wrote, was added or joined,
 * less those removed or gone since — "Ada Shah, Ben Okafor", "Ada Shah, Ben Okafor and 3 others".
 * A title never shows a phone number or an email address (a PSTN caller's or an external guest's
 * display name, a topic typed as one): such a person is counted among the others, such a topic
 * is not used.
 */
export class TeamsChatTitle {
  readonly #senders = new Map<string, { name: string | null; first: number; last: number; order: number }>();
  readonly #events: { time: number; order: number; detail: Json }[] = [];
  #order = 0;

  constructor(private readonly exporterId: string | null) {}

  /** Notes one message (any order; `time` is its createdDateTime in ms, NaN when unreadable). */
  observe(message: Json, time: number): void {
    const order = this.#order++;
    const from = isObject(message.from) ? message.from : null;
    const user = from && isObject(from.user) ? from.user : null;
    if (user) {
      const key = memberKey(user);
      if (key) {
        const seen = this.#senders.get(key);
        const name = text(user.displayName);
        if (!seen) this.#senders.set(key, { name, first: time, last: time, order });
        else {
          if (name) seen.name = name;
          if (time < seen.first) seen.first = time;
          if (time > seen.last) seen.last = time;
        }
      }
    }
    if (isObject(message.eventDetail) && MEMBERSHIP_EVENTS.has(eventKind(message.eventDetail))) this.#events.push({ time, order, detail: message.eventDetail });
  }

  /** The title; null when the messages name no topic and no member besides the exporting user. */
  title(): string | null {
    type Step = { time: number; order: number; apply: () => void };
    const members = new Map<string, { name: string | null; since: number }>();
    let topic: string | null = null;
    let arrival = 0;
    const join = (key: string, name: string | null) => {
      const known = members.get(key);
      if (known) known.name = name ?? known.name;
      else members.set(key, { name, since: arrival++ });
    };
    const steps: Step[] = [];
    for (const [key, sender] of this.#senders) {
      // Present when they first wrote and still when they last wrote (back after leaving, say).
      steps.push({ time: sender.first, order: sender.order, apply: () => join(key, sender.name) });
      steps.push({ time: sender.last, order: sender.order, apply: () => join(key, sender.name) });
    }
    for (const { time, order, detail } of this.#events) {
      const kind = eventKind(detail);
      const listed = Array.isArray(detail.members) ? detail.members.filter(isObject) : [];
      steps.push({
        time,
        order,
        apply: () => {
          if (kind === 'chatRenamedEventMessageDetail') topic = text(detail.chatDisplayName);
          else if (kind === 'membersAddedEventMessageDetail' || kind === 'membersJoinedEventMessageDetail') {
            for (const member of listed) {
              const key = memberKey(member);
              if (key) join(key, text(member.displayName));
            }
          } else {
            for (const member of listed) {
              const key = memberKey(member);
              if (key) members.delete(key);
            }
          }
        },
      });
    }
    // In time order; an unreadable time goes last, file order breaking ties.
    const at = (time: number) => (Number.isNaN(time) ? Number.POSITIVE_INFINITY : time);
    steps.sort((a, b) => at(a.time) - at(b.time) || a.order - b.order).forEach((step) => step.apply());

    const chosenTopic = topic as string | null;
    if (chosenTopic !== null && !revealsContact(chosenTopic)) return chosenTopic;
    const others = [...members.entries()].filter(([key]) => this.exporterId === null || key !== `id:${this.exporterId.toLowerCase()}`).map(([, member]) => member);
    return membersTitle(others.sort((a, b) => a.since - b.since).map((member) => member.name));
  }
}

const MEMBERSHIP_EVENTS = new Set([
  'membersAddedEventMessageDetail',
  'membersJoinedEventMessageDetail',
  'membersDeletedEventMessageDetail',
  'membersLeftEventMessageDetail',
  'chatRenamedEventMessageDetail',
]);

function eventKind(detail: Json): string {
  return (text(detail['@odata.type']) ?? '').replace(/^#?microsoft\.graph\./, '');
}

/** A member's identity: their Graph id (case-insensitive), else their display name. */
function memberKey(identity: Json): string | null {
  const id = text(identity.id);
  if (id) return `id:${id.toLowerCase()}`;
  const name = text(identity.displayName);
  return name ? `name:${name}` : null;
}

// An email address, or seven or more digits however they are spaced or punctuated (a phone number).
const EMAIL = /[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+/u;
const PHONE = /(?:\d[\s\-()./]*){7,}/u;

/** True when the text shows an email address or a phone number, which a title never does. */
export function revealsContact(value: string): boolean {
  return EMAIL.test(value) || PHONE.test(value) || /^(?:tel|sip|mailto):/iu.test(value.trim());
}

/**
 * "Ada Shah", "Ada Shah, Ben Okafor", "Ada Shah, Ben Okafor, Cara Lim", "Ada Shah, Ben Okafor and
 * 3 others"; members without a name that may be shown are among the others ("Ada Shah and 1 other",
 * "Teams chat with 2 people"). Null for nobody.
 */
export function membersTitle(names: readonly (string | null)[]): string | null {
  if (names.length === 0) return null;
  const showable = names.filter((name): name is string => name !== null && !revealsContact(name));
  const shown = showable.slice(0, names.length <= 3 ? 3 : 2);
  const others = names.length - shown.length;
  if (shown.length === 0) return `Teams chat with ${names.length === 1 ? '1 person' : `${names.length} people`}`;
  if (others === 0) return shown.join(', ');
  return `${shown.join(', ')} and ${others === 1 ? '1 other' : `${others} others`}`;
}

/** The exporting user's id from a page's @odata.context (`…$metadata#users('id')/chats('…')/messages`), or null. */
export function exporterIdFromContext(context: unknown): string | null {
  if (typeof context !== 'string') return null;
  const match = /#users\('([^']+)'\)|\/users\/([^/]+)\//u.exec(context);
  const raw = match?.[1] ?? match?.[2];
  if (!raw) return null;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
