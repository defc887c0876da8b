import { migration0001 } from './0001-users-and-settings';
import { migration0002 } from './0002-audit-trail';
import { migration0003 } from './0003-chat-threads';
import { migration0004 } from './0004-transcriptions-and-outbox';
import { migration0005 } from './0005-wipes';
import { migration0006 } from './0006-thread-sequence-numbers';
import { migration0007 } from './0007-outbox-epr-binding';
import { migration0008 } from './0008-chat-identity';
import { migration0009 } from './0009-audit-trust-anchors';
import { migration0010 } from './0010-exported-files';
import { migration0011 } from './0011-source-file-replaced-by-link';
import { migration0012 } from './0012-search-query-key';
import { migration0013 } from './0013-admin-roster';
import { migration0014 } from './0014-attachment-thumbnails';
import { migration0015 } from './0015-draft-images';
import { migration0016 } from './0016-epr-observations';
import { migration0017 } from './0017-staff-profiles';
import { migration0018 } from './0018-draft-context';
import { migration0019 } from './0019-draft-document-type';
import { migration0020 } from './0020-draft-corrections';
import { migration0021 } from './0021-draft-encounter';
import type { Migration } from './migration';

/** Every migration, in order. Add new ones at the end. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003, migration0004, migration0005, migration0006, migration0007, migration0008, migration0009, migration0010, migration0011, migration0012, migration0013, migration0014, migration0015, migration0016, migration0017, migration0018, migration0019, migration0020, migration0021];
