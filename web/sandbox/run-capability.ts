// Classroom mode: a snippet's sandbox sends no cookie, so each run gets a capability from the
// server that its sockets to this server carry instead (server/classroom/run-capabilities.ts).
// Outside classroom mode the server answers with none, and the run's URLs stay as written.
import { RUN_CAPABILITY_API_PATH } from '../../core/routes';

/** The run's capability, or null when none is needed (or the server could not be asked). */
export async function startRunCapability(): Promise<string | null> {
  try {
    const response = await fetch(RUN_CAPABILITY_API_PATH, { method: 'POST', credentials: 'same-origin' });
    if (!response.ok) return null;
    const answer = (await response.json()) as { capability?: unknown };
    return typeof answer.capability === 'string' ? answer.capability : null;
  } catch {
    return null;
  }
}

/** The run is over: the server refuses its capability from now on. */
export function endRunCapability(capability: string): void {
  void fetch(`${RUN_CAPABILITY_API_PATH}/end`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ capability }),
    // Sent even when the run ends because the page is going away.
    keepalive: true,
  }).catch(() => {});
}
