import type { CHAT_SOURCES } from '../domain/chat';

/** The apps an export can come from, as people name them (never the internal source id). */
export const SOURCE_NAMES: Readonly<Record<(typeof CHAT_SOURCES)[number] | 'whatsapp', string>> = {
  'whatsapp-ios': 'WhatsApp (iPhone)',
  'whatsapp-android': 'WhatsApp (Android)',
  whatsapp: 'WhatsApp',
  'signal-sigtop-text': 'Signal (sigtop text export)',
  'signal-sigtop-json': 'Signal (sigtop JSON export)',
  'signal-export-markdown': 'Signal (signal-export Markdown)',
  threema: 'Threema',
  telegram: 'Telegram',
  teams: 'Microsoft Teams',
};
