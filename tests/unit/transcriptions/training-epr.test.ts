import { describe, expect, it } from 'vitest';
import { discoverProfile } from '../../../main/epr/epr-profile';
import { createTrainingEpr } from '../../../main/epr/training-epr';

describe('createTrainingEpr', () => {
  it('starts the training server once on 127.0.0.1, and stops it on close', async () => {
    const training = createTrainingEpr();
    expect(training.baseUrl).toBeUndefined();
    const [first, second] = await Promise.all([training.connection(), training.connection()]);
    expect(first).toBe(second);
    expect(training.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/fhir$/);
    expect(discoverProfile(await first.capabilityStatement())).toMatchObject({ write: 'transaction', conditionalCreate: true, provenance: 'create', identifierSearch: true });
    const url = training.baseUrl!;
    await training.close();
    expect(training.baseUrl).toBeUndefined();
    await expect(fetch(`${url}/metadata`)).rejects.toThrow();
  });
});
