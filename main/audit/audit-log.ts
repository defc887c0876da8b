import { z } from 'zod';
import {
  AuditActorSchema,
  AuditHashesSchema,
  AuditObjectsSchema,
  AuditOutcomeSchema,
  AuditWipeCertificateSchema,
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditActor,
  type AuditCheckpoint,
  type AuditEntry,
  type AuditHashes,
  type AuditObjects,
  type AuditOutcome,
  type AuditTime,
  type AuditWipeCertificate,
  type ChainHead,
  type ExportSeal,
} from '../../shared/domain/audit';
import { GENESIS_HEAD, sealEntry } from './chain';
import { signCheckpoint, type CheckpointSigner } from './signing';
import type { SigningKeyCertificate } from './signing-certificates';
import { pageSealSigningBytes, type PageSeal, type PageSealBody } from './export-format';
import type { AuditStore } from './store';
import { auditTime, workstationTimeZone } from './time';

/**
 * What a service reports. There is no field for text: objects are identifiers, outcomes are
 * codes and content is represented by its hash. Unknown keys are refused at run time too, so a
 * `messageText` smuggled in through a spread or a cast fails loudly instead of being stored.
 */
export interface AuditRecord {
  readonly action: AuditAction;
  /** The signed-in user, or null when the system acted on its own (a scheduled wipe). */
  readonly actor: AuditActor | null;
  readonly objects?: AuditObjects;
  readonly outcome: AuditOutcome;
  readonly hashes?: AuditHashes;
  readonly wipe?: AuditWipeCertificate;
}

const AuditRecordSchema = z.strictObject({
  action: z.enum(AUDIT_ACTIONS),
  actor: AuditActorSchema.nullable(),
  objects: AuditObjectsSchema.optional(),
  outcome: AuditOutcomeSchema,
  hashes: AuditHashesSchema.optional(),
  wipe: AuditWipeCertificateSchema.optional(),
});

/** A record the trail refused. The message lists fields, never their values. */
export class AuditRecordError extends Error {
  override readonly name = 'AuditRecordError';
}

export interface AuditLogOptions {
  readonly store: AuditStore;
  readonly signer: CheckpointSigner;
  /**
   * What vouches for the signer: the workstation's root public key (what auditors pin) and the
   * certificates it issued. Absent: the signer's own key is the root (tests, tools).
   */
  readonly trust?: { readonly rootPublicKeyPem: string | null; readonly certificates: () => readonly SigningKeyCertificate[] };
  /** An interval checkpoint is signed after every this many entries. Default 100. */
  readonly checkpointEvery?: number;
  /** IANA zone for the local time column. Default: the workstation's zone. */
  readonly timeZone?: string;
  readonly now?: () => Date;
}

/**
 * The service every other service calls to record what happened. It numbers, times and chains
 * each entry, and signs checkpoints at intervals and for each export.
 */
export class AuditLog {
  private readonly store: AuditStore;
  private readonly signer: CheckpointSigner;
  private readonly trust: AuditLogOptions['trust'];
  private readonly checkpointEvery: number;
  private readonly timeZone: string;
  private readonly now: () => Date;

  constructor(options: AuditLogOptions) {
    const every = options.checkpointEvery ?? 100;
    if (!Number.isInteger(every) || every < 1) throw new RangeError('checkpointEvery must be a positive integer.');
    this.store = options.store;
    this.signer = options.signer;
    this.trust = options.trust;
    this.checkpointEvery = every;
    this.timeZone = options.timeZone ?? workstationTimeZone();
    this.now = options.now ?? (() => new Date());
  }

  /** Appends one entry and returns it as stored. */
  record(record: AuditRecord): AuditEntry {
    const parsed = AuditRecordSchema.safeParse(record);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`);
      throw new AuditRecordError(`The audit trail refused a record: ${fields.join('; ')}`);
    }
    const valid = parsed.data;
    // The head read and the entry written in one turn of the store's write lock: another process
    // appending in between would otherwise make this entry out of turn, and the action unrecorded.
    const entry = this.store.inTurn ? this.store.inTurn(() => this.appendNext(valid)) : this.appendNext(valid);
    if (entry.sequence % this.checkpointEvery === 0) this.checkpoint();
    return entry;
  }

  private appendNext(valid: z.infer<typeof AuditRecordSchema>): AuditEntry {
    const previous = this.head();
    const entry = sealEntry({
      sequence: previous.sequence + 1,
      time: auditTime(this.now(), this.timeZone),
      actor: valid.actor === null ? null : { ...valid.actor, displayName: valid.actor.displayName.normalize('NFC') },
      action: valid.action,
      objects: valid.objects ?? {},
      outcome: valid.outcome,
      hashes: valid.hashes ?? {},
      ...(valid.wipe ? { wipe: valid.wipe } : {}),
      previousHash: previous.hash,
    });
    this.store.append(entry);
    return entry;
  }

  /** The newest entry's sequence and hash (sequence 0 and the genesis hash while empty). */
  head(): ChainHead {
    return this.store.head() ?? GENESIS_HEAD;
  }

  /** Signs and stores an interval checkpoint at the current head. */
  checkpoint(): AuditCheckpoint {
    return this.signAtHead('interval');
  }

  /**
   * Signs and stores the checkpoint that seals one export. `build` makes the seal for the
   * current head, because the export's page manifest names the head it was sealed at.
   */
  sealExport(build: (head: ChainHead) => ExportSeal): AuditCheckpoint {
    return this.signAtHead('export', build);
  }

  private signAtHead(kind: 'interval' | 'export', build?: (head: ChainHead) => ExportSeal): AuditCheckpoint {
    const head = this.head();
    const seal = build?.(head);
    const checkpoint = signCheckpoint(
      {
        kind,
        sequence: head.sequence,
        entryHash: head.hash,
        createdUtc: this.now().toISOString(),
        keyFingerprint: this.signer.fingerprint,
        ...(seal ? { export: seal } : {}),
      },
      this.signer,
    );
    this.store.appendCheckpoint(checkpoint);
    return checkpoint;
  }

  /** Now, as the trail records times. */
  currentTime(): AuditTime {
    return auditTime(this.now(), this.timeZone);
  }

  /**
   * The workstation's root public key (PEM), embedded in exports: the key auditors pin. Before
   * an administrator has made one (an upgraded vault), the session's own signing key stands in,
   * and no pinned fingerprint will match it.
   */
  get publicKeyPem(): string {
    return this.trust ? (this.trust.rootPublicKeyPem ?? this.signer.publicKeyPem) : this.signer.publicKeyPem;
  }

  /** Signs the page seal of an export (what each drawn page shows) with the checkpoint key. */
  signPageSeal(body: Omit<PageSealBody, 'keyFingerprint'>): PageSeal {
    const complete: PageSealBody = { ...body, keyFingerprint: this.signer.fingerprint };
    return { ...complete, signature: this.signer.sign(pageSealSigningBytes(complete)) };
  }

  /** Certificates by which the root vouches for signing keys, embedded in exports. */
  signingKeyCertificates(): readonly SigningKeyCertificate[] {
    return this.trust?.certificates() ?? [];
  }

  /** The fingerprint of the key that signs this log's checkpoints. */
  get signerFingerprint(): string {
    return this.signer.fingerprint;
  }
}
