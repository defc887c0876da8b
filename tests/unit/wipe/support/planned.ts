import type { WipeService } from '../../../../main/wipe/wipe-service';

/** The counts of the thread's wipe plan as a clinician reads it now, which a wipe with a reason must carry. */
export async function plannedNow(wipes: WipeService, threadId: string): Promise<{ messageCount: number; attachmentCount: number }> {
  const plan = await wipes.plan(threadId);
  return { messageCount: plan.messageCount, attachmentCount: plan.attachmentCount };
}
