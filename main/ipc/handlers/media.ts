import type { Contract } from '../../../shared/ipc/contract';
import type { ThreadMedia } from '../../threads/media';
import type { Handlers } from '../registry';

/** The thread view's media (issue #19): bytes as base64 from the vault, never a path. */
export function createMediaHandlers(media: ThreadMedia): Handlers<Contract>['media'] {
  return {
    list: ({ threadId }) => media.list(threadId).map((item) => ({ ...item, thumbnail: item.thumbnail ? { ...item.thumbnail } : null })),
    content: ({ attachmentId }) => {
      const { mediaType, content } = media.content(attachmentId);
      return { mediaType, data: content.toString('base64') };
    },
    thumbnail: ({ attachmentId }) => {
      const { mediaType, width, height, content } = media.thumbnail(attachmentId);
      return { mediaType: mediaType as 'image/jpeg' | 'image/png', width, height, data: content.toString('base64') };
    },
    saveThumbnail: ({ attachmentId, data }) => media.saveThumbnail(attachmentId, Buffer.from(data, 'base64')),
  };
}
