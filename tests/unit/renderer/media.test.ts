import { describe, expect, it } from 'vitest';
import { fileSize, thumbnailSize, withArticle } from '../../../renderer/src/logic/media';
import { checkThumbnail } from '../../../main/threads/media';
import { jpegImage } from '../threads/support/images';

describe('thread view media sizes (#19)', () => {
  it('says a file size in bytes, KB or MB', () => {
    expect(fileSize(1)).toBe('1 byte');
    expect(fileSize(1023)).toBe('1023 bytes');
    expect(fileSize(1024)).toBe('1 KB');
    expect(fileSize(1536)).toBe('1.5 KB');
    expect(fileSize(200 * 1024 + 300)).toBe('200 KB');
    expect(fileSize(3.25 * 1024 * 1024)).toBe('3.3 MB');
  });

  it('fits a thumbnail inside the edge without enlarging it, in a shape main accepts', () => {
    expect(thumbnailSize(4032, 3024, 480)).toEqual({ width: 480, height: 360 });
    expect(thumbnailSize(3024, 4032, 480)).toEqual({ width: 360, height: 480 });
    expect(thumbnailSize(200, 100, 480)).toEqual({ width: 200, height: 100 });
    expect(thumbnailSize(10_000, 3, 480)).toEqual({ width: 480, height: 1 });
    // Every size drawn here passes main's check of a thumbnail's shape (rounding within a pixel).
    for (const [width, height] of [[4032, 3024], [1000, 999], [333, 777], [16_384, 7], [481, 480]] as const) {
      const size = thumbnailSize(width, height, 480);
      expect(checkThumbnail(jpegImage(size.width, size.height, 50), { width, height })).toMatchObject(size);
    }
  });
});

describe('a media type named in a sentence (#19)', () => {
  it('takes the article its sound needs, and a plain word is lower-cased mid-sentence', () => {
    expect(withArticle('JPEG image')).toBe('a JPEG image');
    expect(withArticle('PNG image')).toBe('a PNG image');
    expect(withArticle('MP4 video')).toBe('an MP4 video');
    expect(withArticle('SVG drawing')).toBe('an SVG drawing');
    expect(withArticle('HEIC image')).toBe('an HEIC image');
    expect(withArticle('Unrecognised file')).toBe('an unrecognised file');
    expect(withArticle('Voice note')).toBe('a voice note');
    expect(withArticle('PDF document')).toBe('a PDF document');
    expect(withArticle('WebP image')).toBe('a WebP image');
    expect(withArticle('QuickTime video')).toBe('a QuickTime video');
    expect(withArticle('AAC audio')).toBe('an AAC audio');
    expect(withArticle('3GP video')).toBe('a 3GP video');
    expect(withArticle('Ogg audio (voice note)')).toBe('an ogg audio (voice note)');
  });
});
