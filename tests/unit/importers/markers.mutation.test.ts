import { describe, expect, it } from 'vitest';
import { isEncryptionNotice, isGroupEvent, isStructuredLrmBody, mayHoldMarker, readMarkers } from '../../../main/importers/markers';

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
