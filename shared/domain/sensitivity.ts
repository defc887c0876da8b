/**
 * Advice a clinician marks as sensitive (safeguarding, sexual health, mental health…) is filed
 * with FHIR security labels so that an EPR can restrict who sees it: the HL7 confidentiality code
 * "restricted", and the information-sensitivity policy that says why. Both code systems are the
 * ones FHIR R4's security-labels value set draws on. Pure: no I/O.
 */
import { z } from 'zod';

export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

/** Confidentiality "restricted": every sensitive note carries it (what an EPR that reads one label acts on). */
export const RESTRICTED = { system: CONFIDENTIALITY_SYSTEM, code: 'R', display: 'restricted' } as const;

export const SENSITIVITY_KINDS = ['safeguarding', 'sexual-health', 'sexually-transmitted-infection', 'hiv', 'mental-health', 'substance-use', 'other'] as const;
export type SensitivityKind = (typeof SENSITIVITY_KINDS)[number];
export const SensitivitySchema = z.enum(SENSITIVITY_KINDS);

interface SensitivityMeaning {
  /** What the clinician picks. */
  readonly words: string;
  /** The v3 ActCode information-sensitivity policy; none for "other" (restricted alone). */
  readonly policy?: { readonly system: string; readonly code: string; readonly display: string };
}

const policy = (code: string, display: string) => ({ system: ACT_CODE_SYSTEM, code, display });

export const SENSITIVITY: Readonly<Record<SensitivityKind, SensitivityMeaning>> = {
  safeguarding: { words: 'Safeguarding: abuse, neglect or domestic violence', policy: policy('SDV', 'sexual assault, abuse, or domestic violence information sensitivity') },
  'sexual-health': { words: 'Sexual or reproductive health', policy: policy('SEX', 'sexuality and reproductive health information sensitivity') },
  'sexually-transmitted-infection': { words: 'A sexually transmitted infection', policy: policy('STD', 'sexually transmitted disease information sensitivity') },
  hiv: { words: 'HIV', policy: policy('HIV', 'HIV/AIDS information sensitivity') },
  'mental-health': { words: 'Mental health', policy: policy('PSY', 'psychiatry disorder information sensitivity') },
  'substance-use': { words: 'Alcohol or drug use', policy: policy('ETH', 'substance abuse information sensitivity') },
  other: { words: 'Sensitive for another reason' },
};

/** The security labels a note of this sensitivity is filed with (none for a note not marked sensitive). */
export function securityLabels(sensitivity: SensitivityKind | undefined): { coding: { system: string; code: string; display: string }[] }[] {
  if (sensitivity === undefined) return [];
  const { policy: why } = SENSITIVITY[sensitivity];
  return [{ coding: [{ ...RESTRICTED }] }, ...(why ? [{ coding: [{ ...why }] }] : [])];
}

/** The line the note's text carries, so a reader of the text alone knows it is restricted. */
export function sensitivityLine(sensitivity: SensitivityKind): string {
  return `Sensitive: ${SENSITIVITY[sensitivity].words}. Filed as restricted.`;
}

/**
 * How restricted a filed note is, in words, from the labels the record holds: null when it is not
 * restricted. Policies Wardscribe does not file are named by their code.
 */
export function describeRestriction(codings: readonly { system?: string; code?: string }[]): string | null {
  const level = codings.find((coding) => coding.system === CONFIDENTIALITY_SYSTEM && (coding.code === 'R' || coding.code === 'V'));
  if (!level) return null;
  const reasons = codings
    .filter((coding) => coding.system === ACT_CODE_SYSTEM && coding.code)
    .map((coding) => SENSITIVITY_KINDS.map((kind) => SENSITIVITY[kind]).find((meaning) => meaning.policy?.code === coding.code)?.words ?? coding.code!);
  return `${level.code === 'V' ? 'Very restricted' : 'Restricted'}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`;
}

/**
 * Words that suggest advice is sensitive, by kind: whole words or phrases, any case. Enough to
 * prompt the clinician, never to decide for them (a ward's "PEP" may be nothing to do with HIV).
 */
const SENSITIVE_WORDS: Readonly<Record<Exclude<SensitivityKind, 'other'>, readonly string[]>> = {
  safeguarding: ['safeguarding', 'abuse', 'abused', 'abusive', 'neglect', 'neglected', 'domestic violence', 'domestic abuse', 'non-accidental injury', 'NAI', 'FGM', 'child protection', 'MASH', 'coercive control', 'assaulted', 'sexual assault'],
  'sexual-health': ['sexual health', 'contraception', 'contraceptive', 'emergency contraception', 'termination of pregnancy', 'abortion', 'TOP', 'pregnancy test', 'IUD', 'IUS'],
  'sexually-transmitted-infection': ['STI', 'STIs', 'STD', 'chlamydia', 'gonorrhoea', 'gonorrhea', 'syphilis', 'genital herpes', 'genital warts', 'GUM clinic', 'trichomonas'],
  hiv: ['HIV', 'PrEP', 'antiretroviral', 'antiretrovirals', 'ART regimen', 'CD4'],
  'mental-health': ['suicide', 'suicidal', 'self-harm', 'self harm', 'self-harming', 'overdose', 'psychosis', 'psychotic', 'psychiatric', 'psychiatry', 'sectioned', 'Mental Health Act', 'CAMHS', 'crisis team', 'liaison psychiatry', 'depression', 'schizophrenia', 'bipolar'],
  'substance-use': ['alcohol withdrawal', 'alcohol dependence', 'alcoholic', 'CIWA', 'heroin', 'cocaine', 'crack', 'methadone', 'buprenorphine', 'opioid dependence', 'drug use', 'IVDU', 'injecting drug', 'substance misuse', 'Pabrinex'],
};

/** Acronyms matched only as written (capitals): "top" and "mash" are ordinary words. */
const CASE_SENSITIVE = new Set(['NAI', 'FGM', 'MASH', 'TOP', 'IUD', 'IUS', 'STI', 'STIs', 'STD', 'HIV', 'PrEP', 'ART regimen', 'CD4', 'CAMHS', 'CIWA', 'IVDU']);

function wordPattern(word: string): RegExp {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/[ -]/g, '[\\s-]+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, CASE_SENSITIVE.has(word) ? 'u' : 'iu');
}

const PATTERNS = (Object.entries(SENSITIVE_WORDS) as [Exclude<SensitivityKind, 'other'>, readonly string[]][]).map(([kind, words]) => ({ kind, words: words.map((word) => ({ word, pattern: wordPattern(word) })) }));

/** A kind of sensitivity the selected messages suggest, and the words that suggested it (as listed above). */
export interface SensitivityHint {
  readonly kind: SensitivityKind;
  readonly words: readonly string[];
}

/**
 * What the selected messages suggest about sensitivity, in the order of SENSITIVITY_KINDS: offered
 * to the clinician beside the question, never filled in (like the patient suggestions).
 */
export function suggestSensitivity(texts: readonly string[]): SensitivityHint[] {
  return PATTERNS.flatMap(({ kind, words }) => {
    const found = words.filter(({ pattern }) => texts.some((text) => pattern.test(text))).map(({ word }) => word);
    return found.length > 0 ? [{ kind, words: found }] : [];
  });
}
