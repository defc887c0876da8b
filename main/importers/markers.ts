/**
 * The words WhatsApp writes in place of media, deletions and edits, in the languages of the
 * real-export corpus (tests/fixtures/real/), and the forms it writes them in. Markers are read by
 * structure first (U+200E or U+200F placement, angle-bracket and parenthesised forms, WhatsApp's
 * own media file names) and by these tables second. Each table is compiled into one regex once.
 */

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const anyOf = (phrases: readonly string[]): string => phrases.map(escape).join('|');

/**
 * Devanagari letters with a nukta are written either precomposed (U+095C ड़) or as letter plus
 * nukta (U+0921 U+093C), and Unicode normalisation does not join them: both spellings are read.
 */
const NUKTA_LETTERS: readonly [string, string][] = [
  ['\u0915\u093C', '\u0958'], ['\u0916\u093C', '\u0959'], ['\u0917\u093C', '\u095A'], ['\u091C\u093C', '\u095B'],
  ['\u0921\u093C', '\u095C'], ['\u0922\u093C', '\u095D'], ['\u092B\u093C', '\u095E'], ['\u092F\u093C', '\u095F'],
];
function withNuktaSpellings(phrases: readonly string[]): string[] {
  const all = new Set(phrases);
  for (const phrase of phrases) {
    let composed = phrase;
    let decomposed = phrase;
    for (const [pair, single] of NUKTA_LETTERS) {
      composed = composed.replaceAll(pair, single);
      decomposed = decomposed.replaceAll(single, pair);
    }
    all.add(composed);
    all.add(decomposed);
  }
  return [...all];
}

/** Android without media: the whole body is one of these. */
const MEDIA_OMITTED_ANDROID = withNuktaSpellings([
  '<Media omitted>',
  '<Medien ausgeschlossen>',
  '<Médias omis>',
  '<Multimedia omitido>',
  '<Media omessi>',
  '<Media weggelaten>',
  '<Mídia oculta>',
  '<Multimédia omitido>',
  '<Media tidak disertakan>',
  '<Média vynechány>',
  '<تم استبعاد الوسائط>',
  '<Медиа отсутствуют>',
  '<Медіа пропущено>',
  '<Medya dahil edilmedi>',
  '<Pominięto multimedia>',
  '<Media dihilangkan>',
  '<Без медиафайлов>',
  '<رسانه حذف شد>',
  '<conținut media omis>', '<fitxers multimèdia omesos>', '<media dikecualikan>', '<media hazijajumuishwa>', '<media jätettiin pois>',
  '<media utelatt>', '<media utelämnat>', '<medier udeladt>', '<média elhagyva>', '<Εξαίρεση πολυμέσων>', '<میڈیا چھوڑ دیا گیا>',
  '<मीडिया के बिना>', '<মিডিয়া বাদ দেওয়া হয়েছে>', '<கோப்புகள் விடப்பட்டன>', '<メディアなし>', '<忽略多媒體檔>', '<省略多媒体文件>',
  '<미디어 파일 제외됨>', '<Pominięto multimedia>',
]);

/** iOS without media: "<kind> omitted" in the user's language. */
const MEDIA_OMITTED_IOS = withNuktaSpellings([
  'image omitted', 'video omitted', 'audio omitted', 'sticker omitted', 'GIF omitted', 'document omitted', 'Contact card omitted',
  'Bild weggelassen', 'Video weggelassen', 'Audio weggelassen', 'Sticker weggelassen', 'GIF weggelassen', 'Dokument weggelassen',
  'image absente', 'vidéo absente', 'audio omis', 'autocollant omis', 'GIF retiré', 'document omis',
  'imagen omitida', 'video omitido', 'audio omitido', 'sticker omitido', 'GIF omitido', 'documento omitido',
  'immagine omessa', 'video omesso', 'audio omesso', 'sticker omesso', 'GIF omessa', 'documento omesso',
  'afbeelding weggelaten', 'video weggelaten', 'audio weggelaten', 'sticker weggelaten', 'GIF weggelaten', 'document weggelaten',
  'imagem ocultada', 'vídeo ocultado', 'áudio ocultado', 'figurinha omitida', 'GIF omitido', 'documento ocultado',
  'Kontaktkarte ausgelassen', 'Tarjeta de contacto omitida', 'Fiche contact manquante', 'Scheda contatto omessa', 'Contactkaart weggelaten',
  'Cartão de contato omitido', 'imagem não revelada', 'vídeo não revelado', 'áudio não revelado', 'Contacto não revelado',
  'obrázek vynechán', 'video vynecháno', 'zvuk vynechán', 'Vizitka vynechána', 'nálepka vynechána', 'dokument vynechán',
  'görüntü dahil edilmedi', 'video dahil edilmedi', 'ses dahil edilmedi', 'Kişi kartı dahil edilmedi', 'çıkartma dahil edilmedi',
  'изображение отсутствует', 'видео отсутствует', 'аудио отсутствует', 'Карточка контакта отсутствует', 'стикер отсутствует', 'документ отсутствует',
  'зображення відсутнє', 'відео відсутнє', 'аудіо відсутнє', 'Картка контакту відсутня', 'стікер відсутній', 'документ відсутній',
  'gambar tidak disertakan', 'video tidak disertakan', 'audio tidak disertakan', 'Kartu kontak tidak disertakan', 'stiker tidak disertakan', 'dokumen tidak disertakan',
  'đã bỏ qua hình ảnh', 'đã bỏ qua video', 'đã bỏ qua âm thanh', 'Bỏ qua thẻ liên lạc', 'đã bỏ qua nhãn dán',
  'फ़ोटो हटाई गई', 'वीडियो छोड़ा गया', 'ऑडियो छोड़ा गया', 'कॉन्टैक्ट कार्ड छोड़ा गया', 'स्टिकर छोड़ा गया',
  '画像は含まれていません', 'ビデオは含まれていません', 'オーディオは含まれていません', '連絡先カードを省略', 'スタンプは含まれていません',
  'ไม่มีรูปภาพ', 'วิดีโอถูกลบ', 'ไม่มีเสียง', 'บัตรรายชื่อที่ละเว้น', 'ไม่มีสติกเกอร์',
  'GIF esclusa', 'GIF não revelada', 'GIF tidak disertakan', 'GIF vynechán', 'GIF отсутствует', 'GIF छोड़ा गया', 'GIF-анімацію пропущено',
  'GIFは含まれていません', 'bỏ qua tệp âm thanh', 'ficheiro de áudio não revelado', 'sticker non incluso', 'sticker não revelado', 'sticker omis',
  'zvukový soubor vynechán', 'Đã bỏ qua ảnh GIF', 'đã bỏ sticker', 'đã bỏ video', 'Наклейку не додано', 'аудиофайл отсутствует', 'стикер не добавлен',
  'تم حذف الملصقات', 'لم يتم إدراج المقاطع الصوتية', 'لم يتم إدراج صورة GIF', 'لم يتم إدراج المستند', 'ऑडियो हटाई गयी', 'ละเว้น GIF', 'ไม่มีไฟล์เสียง',
  '音声は含まれていません', 'obraz pominięty', 'wideo pominięte', 'dokument pominięty',
  'لم يتم إدراج الصورة', 'لم يتم إدراج الفيديوهات', 'لم يتم إدراج الفيديو', 'لم يتم إدراج الصوت', 'لم يتم إدراج بطاقة جهة اتصال', 'لم يتم إدراج الملصق',
]);

/** iOS with media: `<attached: NAME>`. */
const ATTACHED_IOS_LABELS = ['attached', 'Anhang', 'pièce jointe', 'adjunto', 'allegato', 'bijgevoegd', 'anexado'];

/** Android with media: `NAME (file attached)` as the first line of the body. */
const ATTACHED_ANDROID_LABELS = [
  'file attached',
  'ファイル添付',
  'Datei angehängt',
  'fichier joint',
  'archivo adjunto',
  'file allegato',
  'bestand bijgevoegd',
  'arquivo anexado',
  'ficheiro anexado',
];

const DELETED = withNuktaSpellings([
  'This message was deleted', 'You deleted this message',
  'Diese Nachricht wurde gelöscht', 'Du hast diese Nachricht gelöscht',
  'Ce message a été supprimé', 'Vous avez supprimé ce message',
  'Se eliminó este mensaje', 'Eliminaste este mensaje',
  'Questo messaggio è stato eliminato', 'Hai eliminato questo messaggio',
  'Dit bericht is verwijderd', 'Je hebt dit bericht verwijderd',
  'Esta mensagem foi apagada', 'Você apagou esta mensagem', 'Apagou esta mensagem',
  'Tato zpráva byla odstraněna', 'Tuto zprávu jste smazal/a', 'Pesan ini dihapus', 'Anda menghapus pesan ini',
  'Bạn đã xoá tin nhắn này', 'Bạn đã xóa tin nhắn này', 'Tin nhắn này đã bị xóa', 'Tin nhắn này đã bị xoá',
  'Ви видалили це повідомлення', 'Це повідомлення було видалено', 'Вы удалили данное сообщение', 'Данное сообщение удалено',
  'Bu mesaj silindi', 'Bu mesajı sildiniz', 'Ta wiadomość została usunięta', 'Usunięto tę wiadomość',
  'تم حذف هذه الرسالة', 'لقد حذفت هذه الرسالة',
  'आपने यह मैसेज डिलीट किया', 'यह मैसेज डिलीट किया गया',
  'このメッセージを削除しました。', 'このメッセージは削除されました。', 'このメッセージを削除しました', 'このメッセージは削除されました',
  'คุณได้ลบข้อความนี้', 'ข้อความนี้ถูกลบแล้ว',
  'Este mensaje fue eliminado', 'Tato zpráva byla smazána', 'यह मैसेज डिलीट कर दिया गया है', 'لقد حذَفت هذه الرسالة',
]);

const EDITED = [
  'This message was edited',
  'Ta wiadomość została zmieniona',
  'Diese Nachricht wurde bearbeitet',
  'Ce message a été modifié',
  'Se editó este mensaje.',
  'Se editó este mensaje',
  'Questo messaggio è stato modificato',
  'Dit bericht is bewerkt',
  'Esta mensagem foi editada',
  'Mensagem editada',
];

/** End-to-end encryption notices, which may appear "from" a person on iOS. */
const ENCRYPTION_NOTICE = [
  'end-to-end encrypted', 'Ende-zu-Ende-verschlüsselt', 'chiffrés de bout en bout', 'cifrados de extremo a extremo',
  'crittografati end-to-end', 'end-to-end versleuteld', 'criptografia de ponta a ponta', 'encriptação de ponta a ponta',
  'end-to-end encryption', 'cifrado de extremo a extremo', 'encriptadas ponto a ponto', 'koncovým šifrováním', 'сквозным шифрованием', 'наскрізним шифруванням', 'terenkripsi secara end-to-end',
  'mã hóa đầu cuối', 'مشفرة تمامًا بين الطرفين', 'uçtan uca şifreli', 'szyfrowane end-to-end', 'एंड-टू-एंड एन्क्रिप्टेड',
  'エンドツーエンド暗号化', '端到端加密', '端對端加密', '종단간 암호화', 'เข้ารหัสตั้งแต่ต้นทางถึงปลายทาง', 'מוצפנות מקצה לקצה', 'رمزگذاری سرتاسری', 'سرتاسر رمزگذاری',
];


/** Some Android locales open the brackets with U+2039: `‹Médias omis>`. */
const MEDIA_OMITTED_GUILLEMET = MEDIA_OMITTED_ANDROID.map((phrase) => `‹${phrase.slice(1)}`);

/** Old iOS wrote the iOS phrases in angle brackets, with U+200E inside: `<\u200Eimage omitted>`. */
const MEDIA_OMITTED_OLD_IOS = MEDIA_OMITTED_IOS.map((phrase) => `<\u200E${phrase}>`);

const LRM = '\u200E?';
const MEDIA_OMITTED = new RegExp(`^${LRM}(?:${anyOf(MEDIA_OMITTED_ANDROID)}|${anyOf(MEDIA_OMITTED_GUILLEMET)}|${anyOf(MEDIA_OMITTED_IOS)}|${anyOf(MEDIA_OMITTED_OLD_IOS)})$`, 'i');
/** A file name as WhatsApp writes one into a marker: something, a dot, a short extension. */
const FILE_NAME = '[^<>\\n()‹›]+?\\.[A-Za-z0-9]{1,8}';
/**
 * Media file names WhatsApp makes itself (`IMG-20240312-WA0007.jpg`,
 * `00000042-PHOTO-2024-03-12-10-00-01.jpg`, `PTT-…opus`): a marker in any language.
 */
const WHATSAPP_MEDIA_NAME = '(?:(?:IMG|VID|AUD|PTT|STK|DOC|PHOTO|VIDEO)-\\d{8}-WA\\d{3,}\\.[A-Za-z0-9]{1,8}|\\d{8}-(?:PHOTO|VIDEO|AUDIO|STICKER|GIF|DOCUMENT|CONTACT|[A-Z]+)-[\\d-]{19}\\.[A-Za-z0-9]{1,8})';
/** `<attached: NAME>` (also `< attached: NAME >`): the label from the table, or any label after U+200E. */
const ATTACHED_IOS = new RegExp(`^(?:\\u200E?[<‹]\\s?(?:${anyOf(ATTACHED_IOS_LABELS)})\\s?:\\s?([^<>\\n]+?)\\s?>|\\u200E[<‹]\\s?[^<>:\\n]{1,40}:\\s?(${FILE_NAME})\\s?>)`, 'i');
/**
 * iOS documents: `Report.pdf • 2 pages ‎<attached: 00000012-Report.pdf>` or
 * `Report.pdf ‎<attached: …>` — the name (and page count) before the marker are the app's.
 */
const ATTACHED_DOCUMENT = new RegExp(
  `^[^\\n<>]{1,200}? ?[\\u200E\\u200F]?[<‹](?:${anyOf(ATTACHED_IOS_LABELS)}):\\s?([^<>\\n]+?)\\s?>$|^[^\\n<>]{1,200}? ?[\\u200E\\u200F][<‹][^<>:\\n]{1,40}:\\s?(${FILE_NAME})\\s?>$`,
  'i',
);

/** iOS documents without media: `Report.pdf • ‎12 pages ‎document omitted` (the name and summary are the app's). */
const DOCUMENT_OMITTED = new RegExp(`^[^\\n<>]{1,200}? [\\u200E\\u200F](?:${anyOf(MEDIA_OMITTED_IOS)})$`, 'i');

/** `<NAME eklendi>` (Turkish iOS): the label after the name inside the brackets. */
const ATTACHED_INSIDE_AFTER = new RegExp(`^\\u200E?<(${FILE_NAME}) (?:eklendi|attached)>`, 'i');

/** `NAME <attached>` or `NAME ‹attached>`: the label after the name. */
const ATTACHED_AFTER = new RegExp(`^\\u200E?(${FILE_NAME})\\s?[<‹]\\u200E?(?:${anyOf(ATTACHED_IOS_LABELS)})[>›]|^\\u200E(${FILE_NAME})\\s?[<‹][^<>‹›:\\n]{1,40}[>›]`, 'i');
/** `NAME (file attached)`: the label from the table, or any label after U+200E or a name WhatsApp made. */
const ATTACHED_ANDROID = new RegExp(
  `^\\u200E?(${FILE_NAME}) \\((?:${anyOf(ATTACHED_ANDROID_LABELS)})\\)|^\\u200E(${FILE_NAME}) \\([^()\\n]{1,40}\\)|^(${WHATSAPP_MEDIA_NAME}) \\([^()\\n]{1,40}\\)`,
  'i',
);
const DELETED_PATTERN = new RegExp(`^${LRM}(?:${anyOf(DELETED)})\\.?$`, 'i');
const EDITED_SUFFIX = new RegExp(`\\s?${LRM}<(?:${anyOf(EDITED)})>$`, 'i');
const ENCRYPTION_PATTERN = new RegExp(anyOf(ENCRYPTION_NOTICE), 'i');

const GREATER_THAN = 0x3e;
const SINGLE_RIGHT_ANGLE = 0x203a;
const SINGLE_LEFT_ANGLE = 0x2039;

/** True when a body holds U+200E or U+200F after its first character (the app marks its own words inside a body). */
function hasMarkInside(text: string): boolean {
  return text.indexOf('\u200E', 1) > 0 || text.indexOf('\u200F', 1) > 0;
}
const LESS_THAN = 0x3c;
const LRM_CODE = 0x200e;
/**
 * The longest body a bare marker ("image omitted", "This message was deleted.") can be: the
 * longest phrase plus a leading U+200E and a final ".". Case-insensitive matching (without the
 * `u` flag) compares one UTF-16 unit with one, so a longer body can never match either regex.
 */
const MAX_BARE_MARKER = Math.max(...[...MEDIA_OMITTED_ANDROID, ...MEDIA_OMITTED_GUILLEMET, ...MEDIA_OMITTED_IOS, ...MEDIA_OMITTED_OLD_IOS, ...DELETED].map((phrase) => phrase.length)) + 2;

/**
 * The first character of a text as a case-insensitive regex without the `u` flag compares it
 * (the spec's Canonicalize: upper case when that is one UTF-16 unit, never non-ASCII to ASCII).
 */
function canonical(code: number): number {
  if (code < 128) return code >= 0x61 && code <= 0x7a ? code - 0x20 : code;
  const upper = String.fromCharCode(code).toUpperCase();
  if (upper.length !== 1) return code;
  const folded = upper.charCodeAt(0);
  return folded < 128 ? code : folded;
}

/** A body's first character (after an optional U+200E) and length, as one number. */
function bareKey(text: string): number {
  const start = text.charCodeAt(0) === LRM_CODE ? 1 : 0;
  const length = text.length - start;
  return length > 0 ? canonical(text.charCodeAt(start)) * 1024 + length : -1;
}

/**
 * Every first character and length a bare marker (MEDIA_OMITTED or DELETED_PATTERN) can have.
 * Those regexes compare one UTF-16 unit with one, so a body whose key is not here matches
 * neither, and most bodies are ruled out without running them.
 */
const BARE_KEYS: ReadonlySet<number> = new Set([
  ...[...MEDIA_OMITTED_ANDROID, ...MEDIA_OMITTED_GUILLEMET, ...MEDIA_OMITTED_IOS, ...MEDIA_OMITTED_OLD_IOS].map((phrase) => bareKey(phrase)),
  ...DELETED.flatMap((phrase) => [bareKey(phrase), bareKey(phrase) + 1]),
]);

/** What a message body's markers say. */
export interface MarkerReading {
  readonly text: string;
  readonly mediaOmitted: boolean;
  readonly attachment: string | null;
  readonly deleted: boolean;
  readonly edited: boolean;
  /** The whole body is an angle-bracket form (`<…>`, Android's omitted media) that no table knows. */
  readonly unrecognised?: boolean;
}

/**
 * Reads the markers in a body and returns the body without them. A caption after an attachment
 * marker is kept as the text. Cheap character checks run first: most bodies carry no marker.
 */
export function readMarkers(body: string): MarkerReading {
  let text = body;
  let edited = false;
  const editMatch = text.charCodeAt(text.length - 1) === GREATER_THAN ? EDITED_SUFFIX.exec(text) : null;
  if (editMatch) {
    edited = true;
    text = text.slice(0, editMatch.index);
  }
  const first = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  const marked = first === LESS_THAN || first === LRM_CODE || first === SINGLE_LEFT_ANGLE;
  if (text.length <= MAX_BARE_MARKER && BARE_KEYS.has(bareKey(text))) {
    if (MEDIA_OMITTED.test(text)) return { text: '', mediaOmitted: true, attachment: null, deleted: false, edited };
    if (DELETED_PATTERN.test(text)) return { text: '', mediaOmitted: false, attachment: null, deleted: true, edited };
  }
  // Omitted media with a caption on the lines below it.
  const newline = text.indexOf('\n');
  if (newline > 0 && newline <= MAX_BARE_MARKER && (marked || first === 0x2039)) {
    const line = text.slice(0, newline);
    if (BARE_KEYS.has(bareKey(line)) && MEDIA_OMITTED.test(line)) return { text: text.slice(newline + 1), mediaOmitted: true, attachment: null, deleted: false, edited };
  }
  const attached =
    (marked ? (ATTACHED_IOS.exec(text) ?? ATTACHED_INSIDE_AFTER.exec(text)) : null) ??
    (last === GREATER_THAN && (hasMarkInside(text) || text.includes('\u2022')) ? ATTACHED_DOCUMENT.exec(text) : null) ??
    (hasSpaceParen(text) ? ATTACHED_ANDROID.exec(text) : null) ??
    (last === GREATER_THAN || last === SINGLE_RIGHT_ANGLE ? ATTACHED_AFTER.exec(text) : null);
  if (attached) {
    const caption = text.slice(attached[0].length).replace(/^\s+/, '');
    const name = attached.slice(1).find((group) => group !== undefined)!;
    return { text: caption, mediaOmitted: false, attachment: name.trim(), deleted: false, edited };
  }
  if (hasMarkInside(text) && DOCUMENT_OMITTED.test(text)) return { text: '', mediaOmitted: true, attachment: null, deleted: false, edited };
  if (first === LESS_THAN && ANGLE_FORM.test(text)) return { text, mediaOmitted: false, attachment: null, deleted: false, edited, unrecognised: true };
  return { text, mediaOmitted: false, attachment: null, deleted: false, edited };
}

/** A whole body in angle brackets, as Android writes omitted media in every language. */
const ANGLE_FORM = /^<[^<>\n]{2,60}>$/;

/**
 * `text.includes(' (')`, which ATTACHED_ANDROID needs, with a one-character search first: that
 * search is much cheaper, and most bodies hold no "(" at all.
 */
function hasSpaceParen(text: string): boolean {
  return text.indexOf('(') > 0 && text.includes(' (');
}

/**
 * False only when readMarkers(body) would find no marker and return the body unchanged: it ends
 * in no ">" (an edit marker), starts with no "<" or U+200E, cannot be a bare marker and holds no
 * " (". Exactly the checks readMarkers() makes before any regex, so a caller may skip it then.
 */
export function mayHoldMarker(body: string): boolean {
  const first = body.charCodeAt(0);
  const last = body.charCodeAt(body.length - 1);
  return (
    last === GREATER_THAN ||
    last === SINGLE_RIGHT_ANGLE ||
    first === LESS_THAN ||
    first === LRM_CODE ||
    (body.length <= MAX_BARE_MARKER && BARE_KEYS.has(bareKey(body))) ||
    hasSpaceParen(body) ||
    first === SINGLE_LEFT_ANGLE ||
    (body.length <= 300 && hasMarkInside(body))
  );
}

/**
 * The notices a chat itself shows (written "from" the partner in a one-to-one chat, or from the
 * group): the security code changed. Like the encryption notice, they are system lines and say
 * nothing about who the group is.
 */
const SECURITY_CODE_NOTICE = [
  'security code', 'Sicherheitsnummer', 'code de sécurité', 'código de seguridad', 'código de segurança', 'codice di sicurezza',
  'beveiligingscode', 'Bezpečnostní kód', 'Kode keamanan', 'सुरक्षा कोड', 'セキュリティコード', 'Mã bảo mật', 'код безопасности',
  'Код безпеки', 'รหัสความปลอดภัย', 'رمز أمانك', 'güvenlik kodu', 'kod bezpieczeństwa', '보안 코드', '安全码', '安全碼',
];
const CHAT_NOTICE_PATTERN = new RegExp(`${anyOf(ENCRYPTION_NOTICE)}|${anyOf(SECURITY_CODE_NOTICE)}`, 'i');

/** True for the end-to-end encryption notice in any supported language. */
export function isEncryptionNotice(text: string): boolean {
  return ENCRYPTION_PATTERN.test(text);
}

/** True for a notice of the chat itself (encryption, security code changed) in any supported language. */
export function isChatNotice(text: string): boolean {
  return text.length <= 600 && CHAT_NOTICE_PATTERN.test(text);
}

/**
 * Group events as iOS writes them "from" the group (after U+200E), by the verbs WhatsApp uses in
 * each language: someone added, removed, left, joined, created, changed or deleted something.
 */
const GROUP_EVENT_WORDS = [
  // English
  'added', 'removed', 'left', 'joined', 'created group', 'created this group', 'changed the subject', "changed this group's",
  'changed the group', 'changed their phone number', 'deleted this group', "reset this group's invite link", 'is now an admin',
  "You're now an admin", 'no longer an admin', 'turned on disappearing', 'turned off disappearing',
  'disappearing messages', 'pinned a message', 'changed the settings', 'were added', 'was added', 'invite link',
  // German
  'hinzugefügt', 'entfernt', 'verlassen', 'beigetreten', 'hat die Gruppe', 'hat den Betreff', 'Gruppenbild',
  'geändert', 'erstellt',
  // French
  'a ajouté', 'a retiré', 'est parti', 'a rejoint', 'a créé', 'a modifié', 'a changé', 'vous a ajouté',
  // Spanish
  'añadió', 'añadiste', 'te añadió', 'eliminó', 'eliminaste', 'salió', 'se unió', 'creó', 'creaste', 'cambió', 'cambiaste',
  // Italian
  'ha aggiunto', 'ha rimosso', 'è uscito', 'è entrato', 'ha creato', 'ha cambiato', 'ha modificato',
  // Dutch
  'toegevoegd', 'verwijderd', 'heeft de groep verlaten', 'is lid geworden', 'aangemaakt', 'gewijzigd',
  // Portuguese
  'adicionou', 'removeu', 'saiu', 'entrou', 'criou', 'mudou', 'alterou',
  // Russian, Ukrainian
  'добавил', 'удалил', 'вышел', 'вышла', 'присоединил', 'создал', 'изменил', 'додав', 'вийшов', 'створив', 'змінив',
  // Turkish, Polish, Indonesian
  'ekledi', 'çıkardı', 'ayrıldı', 'katıldı', 'oluşturdu', 'değiştirdi', 'dodał', 'usunął', 'opuścił', 'utworzył', 'zmienił',
  'menambahkan', 'mengeluarkan', 'keluar', 'bergabung', 'membuat grup', 'mengubah', 'dodała', 'usunęła', 'opuściła', 'utworzyła', 'zmieniła',
];
const GROUP_EVENT = new RegExp(`(?:^|[\\s"“])(?:${anyOf(GROUP_EVENT_WORDS)})(?=$|[\\s.,:"”])`, 'i');

/** True for a group event's text (after the U+200E iOS writes before it), in a language we know. */
export function isGroupEvent(text: string): boolean {
  return text.length <= 400 && !text.includes('\n') && GROUP_EVENT.test(text);
}

/**
 * A body the app writes for its sender (after U+200E) that is read as it is: a shared location
 * (`Location: URL`, any language) or a contact file.
 */
const STRUCTURED_LRM_BODY = /^(?:[^\n]{0,40}https?:\/\/|[^\n]{1,60}\.vcf\b)/i;

export function isStructuredLrmBody(text: string): boolean {
  return STRUCTURED_LRM_BODY.test(text);
}
