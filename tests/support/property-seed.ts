import fc from 'fast-check';

/**
 * Property tests run with one fixed seed in CI and under mutation testing, so a run can be
 * repeated exactly and a mutant is killed or not for the same inputs every time. Locally the seed
 * is random (more inputs over time) unless WARDSCRIBE_FC_SEED names one. fast-check prints the
 * seed and path of any failure (`{ seed: …, path: … }`); re-run with WARDSCRIBE_FC_SEED=<seed>.
 * A test that passes its own `seed` keeps it.
 */
export const CI_PROPERTY_SEED = 20_2012;

const named = process.env.WARDSCRIBE_FC_SEED;
const fixed = process.env.CI === 'true' || process.env.WARDSCRIBE_MUTATION === '1';
const seed = named !== undefined && named !== '' ? Number(named) : fixed ? CI_PROPERTY_SEED : undefined;
if (seed !== undefined) {
  if (!Number.isSafeInteger(seed)) throw new Error(`WARDSCRIBE_FC_SEED must be an integer, not ${named}`);
  fc.configureGlobal({ seed });
}
