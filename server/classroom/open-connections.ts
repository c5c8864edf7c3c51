// How many WebSockets each learner has open now, for the board: the journal tags each connection
// with its learner (classroom mode) and knows which have ended.
import type { Journal } from '../tap/journal';

export function openConnectionsByLearner(journal: Journal): Map<string, number> {
  const open = new Map<string, number>();
  for (const conn of journal.connectionNumbers()) {
    const learner = journal.learnerOf(conn);
    if (learner === undefined) continue;
    if (journal.connection(conn)?.ended !== false) continue;
    open.set(learner, (open.get(learner) ?? 0) + 1);
  }
  return open;
}
