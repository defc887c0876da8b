import { hostApi } from '../api';
import { useJobs } from './data';

/**
 * Imports and exports still running (or just finished) whichever screen is shown: the work goes
 * on in main when the person moves on, and so does its progress here.
 */
export function JobsIndicator() {
  const { list, dismiss } = useJobs();
  if (list.length === 0) return null;
  return (
    <div className="ws-jobs" role="region" aria-label="Background work" data-testid="jobs-indicator">
      <ul className="ws-jobs__list">
        {list.map((job) => (
          <li key={job.id} className={`ws-jobs__item ws-jobs__item--${job.state}`} data-testid="job">
            <span>{job.label}</span>{' '}
            {job.state === 'running' ? (
              <>
                <progress max={job.total ?? undefined} value={job.total ? job.done : undefined} aria-label={`${job.label}: progress`} />{' '}
                {job.total ? `${Math.floor((100 * job.done) / job.total)}%` : ''}
                <button type="button" className="ws-link-button ws-jobs__action" onClick={() => void hostApi()!.jobs.cancel({ jobId: job.id })}>
                  Cancel <span className="nhsuk-u-visually-hidden">{job.label}</span>
                </button>
              </>
            ) : (
              <>
                <span data-testid="job-outcome">{job.outcome}</span>
                <button type="button" className="ws-link-button ws-jobs__action" onClick={() => dismiss(job.id)}>
                  Dismiss <span className="nhsuk-u-visually-hidden">{job.label}</span>
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
