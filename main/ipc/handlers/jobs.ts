import type { Contract } from '../../../shared/ipc/contract';
import type { JobTracker } from '../jobs';
import type { Handlers } from '../registry';

export function createJobHandlers(jobs: JobTracker): Handlers<Contract>['jobs'] {
  return {
    cancel: ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
  };
}
