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
