import { describe, expect, it } from 'vitest';
import { isChatNotice, isEncryptionNotice, isGroupEvent, isStructuredLrmBody, mayHoldMarker, readMarkers } from '../../../main/importers/markers';

/**
 * H-009 (advice attributed to the wrong person, or lost): what is and is not a marker. A body
 * that is no marker must come back unchanged with its sender, so the negative cases matter as
 * much as the phrases: an empty phrase in any table would match bodies it must not.
 */
const plain = (text: string) => ({ text, mediaOmitted: false, attachment: null, deleted: false, edited: false });

describe('bodies that are no marker come back unchanged', () => {
  it.each(['', '.', '\u200E', '\u200E.', 'ok', 'Give 5 mg now', 'see you at 3', '<>', 'a <>', '<: x.jpg>', '\u200E<: x.jpg>', 'x.jpg <>', 'x.jpg ()', 'x.jpg ( )'])(
    '%j',
    (body) => {
      const reading = readMarkers(body);
      expect(reading.mediaOmitted).toBe(false);
      expect(reading.deleted).toBe(false);
      expect(reading.edited).toBe(false);
      expect(reading.attachment).toBeNull();
      expect(reading.text).toBe(body);
    },
  );

  it('ordinary words are no encryption notice, group event or structured body', () => {
    for (const text of ['hello', 'Dr A: bloods back', 'the patient is stable', '']) {
      expect(isEncryptionNotice(text), text).toBe(false);
      expect(isGroupEvent(text), text).toBe(false);
    }
    expect(isStructuredLrmBody('bloods back')).toBe(false);
  });
});

describe('each kind of marker, stated', () => {
  it('Android omitted media, in English and German, with or without U+200E', () => {
    for (const body of ['<Media omitted>', '\u200E<Media omitted>', '<medien ausgeschlossen>', '‹Médias omis>']) {
      expect(readMarkers(body), body).toEqual({ ...plain(''), mediaOmitted: true });
    }
  });

  it('iOS omitted media, new and old forms', () => {
    for (const body of ['image omitted', '\u200Eimage omitted', '<\u200Eimage omitted>', 'Bild weggelassen']) {
      expect(readMarkers(body), body).toEqual({ ...plain(''), mediaOmitted: true });
    }
  });

  it('omitted media with a caption below it keeps the caption as the text', () => {
    expect(readMarkers('\u200Eimage omitted\nbed 4 chart')).toEqual({ ...plain('bed 4 chart'), mediaOmitted: true });
    expect(readMarkers('<Media omitted>\nbed 4 chart')).toEqual({ ...plain('bed 4 chart'), mediaOmitted: true });
    // Not at the start of the body: text.
    expect(readMarkers('see\n<Media omitted>').mediaOmitted).toBe(false);
  });

  it('deletions, with or without the final dot', () => {
    for (const body of ['This message was deleted', 'This message was deleted.', '\u200EYou deleted this message.', 'Diese Nachricht wurde gelöscht']) {
      expect(readMarkers(body), body).toEqual({ ...plain(''), deleted: true });
    }
    expect(readMarkers('This message was deleted!!').deleted).toBe(false);
  });

  it('an edit marker at the end is stripped and flagged, with the space before it', () => {
    expect(readMarkers('Give 5 mg <This message was edited>')).toEqual({ ...plain('Give 5 mg'), edited: true });
    expect(readMarkers('Give 5 mg \u200E<This message was edited>')).toEqual({ ...plain('Give 5 mg'), edited: true });
    expect(readMarkers('<This message was edited> later').edited).toBe(false);
  });

  it('attachments in each shape keep their name and caption', () => {
    expect(readMarkers('<attached: 00000042-PHOTO-2024-03-12-10-00-01.jpg>')).toEqual({ ...plain(''), attachment: '00000042-PHOTO-2024-03-12-10-00-01.jpg' });
    expect(readMarkers('\u200E<attached: scan.pdf> the ECG')).toEqual({ ...plain('the ECG'), attachment: 'scan.pdf' });
    expect(readMarkers('< Anhang : scan.pdf >')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('IMG-20240312-WA0007.jpg (file attached)')).toEqual({ ...plain(''), attachment: 'IMG-20240312-WA0007.jpg' });
    expect(readMarkers('IMG-20240312-WA0007.jpg (file attached)\nchest x-ray')).toEqual({ ...plain('chest x-ray'), attachment: 'IMG-20240312-WA0007.jpg' });
    expect(readMarkers('IMG-20240312-WA0007.jpg (Datei angehängt)')).toEqual({ ...plain(''), attachment: 'IMG-20240312-WA0007.jpg' });
    expect(readMarkers('scan.pdf <attached>')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('<scan.pdf eklendi>')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('Report.pdf • 2 pages <attached: 00000012-Report.pdf>')).toEqual({ ...plain(''), attachment: '00000012-Report.pdf' });
  });

  it('an unknown angle-bracket body is kept as text and flagged unrecognised', () => {
    expect(readMarkers('<Mídia não incluída>')).toEqual({ ...plain('<Mídia não incluída>'), unrecognised: true });
    expect(readMarkers('<x>').unrecognised).toBeUndefined();
  });

  it('mayHoldMarker is false for ordinary text and true wherever a marker could be', () => {
    expect(mayHoldMarker('Obs stable overnight')).toBe(false);
    expect(mayHoldMarker('(normal) back')).toBe(false);
    for (const body of ['x >', 'x ›', '<x', '\u200Ex', 'image omitted', 'a.jpg (file attached)']) expect(mayHoldMarker(body), body).toBe(true);
  });

  it('group events and the encryption notice', () => {
    expect(isGroupEvent('Dr A added Dr B')).toBe(true);
    expect(isGroupEvent('Dr A added\nDr B')).toBe(false);
    expect(isGroupEvent(`Dr A added ${'x'.repeat(400)}`)).toBe(false);
    expect(isGroupEvent('Dr A readded Dr B')).toBe(false);
    expect(isEncryptionNotice('Messages and calls are end-to-end encrypted.')).toBe(true);
    expect(isStructuredLrmBody('Location: https://maps.example/?q=1')).toBe(true);
    expect(isStructuredLrmBody('Dr A.vcf')).toBe(true);
  });
});

describe('the phrases are read as written, not as patterns', () => {
  it('a "." in a phrase is a dot', () => {
    expect(readMarkers('Give 5 mg <Se editó este mensaje.>')).toEqual({ ...plain('Give 5 mg'), edited: true });
    expect(readMarkers('Give 5 mg <Se editó este mensajeX>').edited).toBe(false);
  });

  it('the first letter in either case, Latin or not', () => {
    for (const body of ['IMAGE OMITTED', 'bild weggelassen', 'Đã bỏ qua hình ảnh', 'đã bỏ qua ảnh gif', 'Изображение отсутствует', 'Áudio ocultado', 'this message was deleted.']) {
      const reading = readMarkers(body);
      expect(reading.mediaOmitted || reading.deleted, body).toBe(true);
      expect(reading.text, body).toBe('');
    }
    // A regex without the u flag never folds a non-ASCII letter to an ASCII one: "ſ" is not "s".
    expect(readMarkers('\u017Fticker omitted')).toEqual(plain('\u017Fticker omitted'));
  });

  it('a deletion is read with its final dot and U+200E, and not one character more', () => {
    expect(readMarkers('\u200EThis message was deleted.')).toEqual({ ...plain(''), deleted: true });
    expect(readMarkers('\u200EThis message was deleted..').deleted).toBe(false);
    expect(readMarkers('\u200E\u200EThis message was deleted').deleted).toBe(false);
  });
});

describe('omitted media with a caption', () => {
  it('only after U+200E, "<" or "‹": an iOS phrase alone on the first line of a body is text', () => {
    expect(readMarkers('image omitted\nbed 4')).toEqual(plain('image omitted\nbed 4'));
    expect(readMarkers('‹Médias omis>\nbed 4')).toEqual({ ...plain('bed 4'), mediaOmitted: true });
    expect(readMarkers('\u200E<Media omitted>\nbed 4')).toEqual({ ...plain('bed 4'), mediaOmitted: true });
  });

  it('the first line must be the marker, whole', () => {
    expect(readMarkers('<Media omitted> x\nbed 4').mediaOmitted).toBe(false);
    expect(readMarkers('\n<Media omitted>').mediaOmitted).toBe(false);
  });
});

describe('attachments, each form and its caption', () => {
  it('the caption is what follows, its leading spaces dropped and its own kept', () => {
    expect(readMarkers('\u200E<attached: scan.pdf>   the ECG today')).toEqual({ ...plain('the ECG today'), attachment: 'scan.pdf' });
    expect(readMarkers('<scan.pdf eklendi>the ECG today')).toEqual({ ...plain('the ECG today'), attachment: 'scan.pdf' });
  });

  it('an iOS document: its name before the marker, with a mark and no bullet', () => {
    expect(readMarkers('Report.pdf \u200E<attached: 00000012-Report.pdf>')).toEqual({ ...plain(''), attachment: '00000012-Report.pdf' });
    expect(readMarkers('Report.pdf \u200E<Anlage: 00000012-Report.pdf>')).toEqual({ ...plain(''), attachment: '00000012-Report.pdf' });
    expect(readMarkers('Report.pdf <Anlage: 00000012-Report.pdf>').attachment).toBeNull();
  });

  it('a label after the name, in the table or after U+200E, closed by ">" or "›"', () => {
    expect(readMarkers('scan.pdf ‹attached›')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('\u200Escan.pdf <Anlage>')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('scan.pdf <Anlage>').attachment).toBeNull();
  });

  it('Android: a label in the table, any label after U+200E, any label after a name WhatsApp made', () => {
    expect(readMarkers('\u200Escan.pdf (Datei)')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('IMG-20240312-WA0007.jpg (foto)')).toEqual({ ...plain(''), attachment: 'IMG-20240312-WA0007.jpg' });
    expect(readMarkers('00000042-PHOTO-2024-03-12-10-00-01.jpg (foto)')).toEqual({ ...plain(''), attachment: '00000042-PHOTO-2024-03-12-10-00-01.jpg' });
    expect(readMarkers('scan.pdf (Datei)').attachment).toBeNull();
  });

  it('an iOS document without media', () => {
    expect(readMarkers('Report.pdf • \u200E12 pages \u200Edocument omitted')).toEqual({ ...plain(''), mediaOmitted: true });
    expect(readMarkers('Report.pdf document omitted')).toEqual(plain('Report.pdf document omitted'));
  });
});

describe('unknown angle-bracket bodies', () => {
  it('two to sixty characters inside "<" and ">", on one line', () => {
    expect(readMarkers('<ab>').unrecognised).toBe(true);
    expect(readMarkers(`<${'m'.repeat(60)}>`).unrecognised).toBe(true);
    expect(readMarkers(`<${'m'.repeat(61)}>`).unrecognised).toBeUndefined();
    expect(readMarkers('<a\nb>').unrecognised).toBeUndefined();
    expect(readMarkers('x<ab>').unrecognised).toBeUndefined();
    expect(readMarkers('<ab> x').unrecognised).toBeUndefined();
  });
});

describe('mayHoldMarker never hides a marker', () => {
  it('a mark inside a body of up to 300 characters may be one; U+200F only at the start is none', () => {
    expect(mayHoldMarker('hello \u200Fworld')).toBe(true);
    expect(mayHoldMarker('hello \u200Eworld')).toBe(true);
    expect(mayHoldMarker('\u200Fhello')).toBe(false);
    expect(mayHoldMarker(`${'a'.repeat(298)}\u200Eb`)).toBe(true);
    expect(mayHoldMarker(`${'a'.repeat(299)}\u200Eb`)).toBe(false);
    expect(mayHoldMarker('‹x')).toBe(true);
    expect(mayHoldMarker('a (b')).toBe(true);
    expect(mayHoldMarker('a(b')).toBe(false);
  });

  it('false only where readMarkers finds nothing', () => {
    const bodies = [
      'Obs stable overnight', '(normal) back', '\u200Fhello', 'a(b', 'image omitted', 'This message was deleted.', 'x.jpg (file attached)', 'IMAGE OMITTED', 'Ok <This message was edited>',
      'Report.pdf • \u200E12 pages \u200Edocument omitted', 'Đã bỏ qua hình ảnh', 'hello world', '‹Médias omis>', 'abc', '',
    ];
    for (const body of bodies) {
      const reading = readMarkers(body);
      const unchanged = reading.text === body && !reading.mediaOmitted && !reading.deleted && !reading.edited && reading.attachment === null && !reading.unrecognised;
      if (!mayHoldMarker(body)) expect(unchanged, body).toBe(true);
      if (!unchanged) expect(mayHoldMarker(body), body).toBe(true);
    }
  });
});

describe('notices, events and structured bodies', () => {
  it('a chat notice in up to 600 characters', () => {
    expect(isChatNotice('Your security code with Ann changed. Tap to learn more.')).toBe(true);
    expect(isChatNotice('Messages and calls are end-to-end encrypted.')).toBe(true);
    expect(isChatNotice('bloods back')).toBe(false);
    expect(isChatNotice(`security code${'x'.repeat(587)}`)).toBe(true);
    expect(isChatNotice(`security code${'x'.repeat(588)}`)).toBe(false);
  });

  it('a group event: an event word of its own, on one line of up to 400 characters', () => {
    for (const text of ['added Ben', 'Ann added.', 'Ann added, then left', 'Ann added: Ben', 'Ann "added" Ben', 'Ann “added” Ben', 'Ann added']) expect(isGroupEvent(text), text).toBe(true);
    for (const text of ['Ann addedx', 'Annadded Ben', 'Ann xadded']) expect(isGroupEvent(text), text).toBe(false);
    expect(isGroupEvent(`Ann added ${'x'.repeat(390)}`)).toBe(true);
    expect(isGroupEvent(`Ann added ${'x'.repeat(391)}`)).toBe(false);
  });

  it('a shared location: a link within the first 40 characters; a contact file: up to 60 characters and ".vcf"', () => {
    expect(isStructuredLrmBody('https://maps.example/?q=1')).toBe(true);
    expect(isStructuredLrmBody('HTTP://maps.example')).toBe(true);
    expect(isStructuredLrmBody(`${'x'.repeat(40)}https://maps.example`)).toBe(true);
    expect(isStructuredLrmBody(`${'x'.repeat(41)}https://maps.example`)).toBe(false);
    expect(isStructuredLrmBody('see\nhttps://maps.example')).toBe(false);
    expect(isStructuredLrmBody('Dr A.VCF')).toBe(true);
    expect(isStructuredLrmBody('.vcf')).toBe(false);
    expect(isStructuredLrmBody('Dr A.vcfx')).toBe(false);
    expect(isStructuredLrmBody(`${'x'.repeat(60)}.vcf`)).toBe(true);
    expect(isStructuredLrmBody(`${'x'.repeat(61)}.vcf`)).toBe(false);
    expect(isStructuredLrmBody('line\nDr A.vcf')).toBe(false);
  });
});

describe('Devanagari letters with a nukta, in both spellings', () => {
  it('precomposed and letter-plus-nukta are the same marker', () => {
    for (const body of ['वीडियो छो\u0921\u093Cा गया', 'वीडियो छो\u095Cा गया', '\u092B\u093Cोटो हटाई गई', '\u095Eोटो हटाई गई', '\u200Eस्टिकर छो\u095Cा गया']) {
      expect(readMarkers(body), body).toEqual({ ...plain(''), mediaOmitted: true });
    }
    // The nukta is part of the letter: without it the words are others.
    expect(readMarkers('वीडियो छोडा गया').mediaOmitted).toBe(false);
  });
});

describe('every pattern ignores case; the quick checks before them never refuse a marker', () => {
  it('each pattern, in capitals', () => {
    expect(readMarkers('<ATTACHED: scan.pdf>')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('Report.pdf • 2 pages <ATTACHED: 00000012-Report.pdf>')).toEqual({ ...plain(''), attachment: '00000012-Report.pdf' });
    expect(readMarkers('Report.pdf • \u200E12 pages \u200EDOCUMENT OMITTED')).toEqual({ ...plain(''), mediaOmitted: true });
    expect(readMarkers('<scan.pdf EKLENDI>')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('scan.pdf <ATTACHED>')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('scan.pdf (FILE ATTACHED)')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
    expect(readMarkers('Give 5 mg <THIS MESSAGE WAS EDITED>')).toEqual({ ...plain('Give 5 mg'), edited: true });
    expect(isEncryptionNotice('Messages are END-TO-END ENCRYPTED')).toBe(true);
    expect(isChatNotice('Your SECURITY CODE with Ann changed')).toBe(true);
    expect(isGroupEvent('Ann ADDED Ben')).toBe(true);
  });

  it('the first letter in either case, from a to z', () => {
    expect(readMarkers('AUDIO OMITTED')).toEqual({ ...plain(''), mediaOmitted: true });
    expect(readMarkers('ZVUK VYNECHÁN')).toEqual({ ...plain(''), mediaOmitted: true });
  });

  it('a first letter the patterns fold to another (U+1C80 is "В" to them) is folded the same way', () => {
    expect(readMarkers('\u1C80ы удалили данное сообщение')).toEqual({ ...plain(''), deleted: true });
  });

  it('the longest marker, with U+200E and its final dot', () => {
    expect(readMarkers('\u200EQuesto messaggio è stato eliminato.')).toEqual({ ...plain(''), deleted: true });
  });

  it('one character after a bare marker makes it text, U+200E or not', () => {
    expect(readMarkers('\u200Eimage omittedX')).toEqual(plain('\u200Eimage omittedX'));
    expect(readMarkers('<Media omitted>>')).toEqual(plain('<Media omitted>>'));
  });

  it('an iOS form opened with "‹"', () => {
    expect(readMarkers('‹attached: scan.pdf>')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
  });

  it('a document form needs the app\'s mark or bullet; a label after a name, a body that ends there', () => {
    expect(readMarkers('Report.pdf <attached: x.pdf>')).toEqual(plain('Report.pdf <attached: x.pdf>'));
    expect(readMarkers('scan.pdf <attached> the ECG')).toEqual(plain('scan.pdf <attached> the ECG'));
  });

  it('an attachment\'s name without the spaces around it', () => {
    expect(readMarkers('<attached: scan.pdf  >')).toEqual({ ...plain(''), attachment: 'scan.pdf' });
  });

  it('a mark inside ordinary text is no document', () => {
    expect(readMarkers('hello \u200Eworld')).toEqual(plain('hello \u200Eworld'));
  });
});
