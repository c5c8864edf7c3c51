// Two learners in their own browser contexts (two sessions), as the classroom specs stage them:
// each opens the playground, chats and runs an echo snippet with words of their own, and then
// sees their own frames and none of the other's.
import type { BrowserContext, Page } from '@playwright/test';
import { chatEcho, expect, openPlayground, runEchoSnippet, unique } from './fixtures';

export interface LearnerPage {
  page: Page;
  /** What they sent from the chat, and from their snippet. */
  said: string;
  ran: string;
}

export async function twoLearnersTalk(
  contexts: readonly BrowserContext[],
  url: string,
): Promise<[LearnerPage, LearnerPage]> {
  const learners: LearnerPage[] = [];
  for (const [index, name] of ['ada', 'grace'].entries()) {
    const page = await openPlayground(contexts[index]!, url);
    learners.push({ page, said: unique(`${name}-chat`), ran: unique(`${name}-run`) });
  }
  for (const { page, said } of learners) await chatEcho(page, said);
  for (const { page, ran } of learners) await runEchoSnippet(page, ran);
  return [learners[0]!, learners[1]!];
}

/** The learner's inspector shows both ways of their chat and their snippet, and nothing of `other`'s. */
export async function expectOwnFramesOnly(own: LearnerPage, other: LearnerPage): Promise<void> {
  const frames = own.page.getByTestId('frame-row');
  await expect(frames.filter({ hasText: own.said })).toHaveCount(2);
  // The snippet's socket reached the learner's tap by its run capability alone: no cookie.
  await expect(frames.filter({ hasText: own.ran })).toHaveCount(2);
  await expect(frames.filter({ hasText: other.said })).toHaveCount(0);
  await expect(frames.filter({ hasText: other.ran })).toHaveCount(0);
}
