// The exports' copy of the journal: the records as they were when it was asked for, even when the
// journal goes on and evicts while it is made, and made a step at a time so that the sockets'
// thread gets back to its event loop in between.
import { describe, expect, it } from 'vitest';
import { copyJournal, copyJournalInTurns } from '../../../server/export/journal-recordings';
import { Journal } from '../../../server/tap/journal';

const meta = {
  kind: 'echo' as const,
  path: '/echo',
  remote: '127.0.0.1:5000',
  local: '127.0.0.1:8765',
  maxPayload: 1 << 20,
  payloadCap: 65536,
};

/** A journal of `mib` MiB of 64 KiB chunks, each filled with its own number. */
function filled(mib: number, budgetBytes = 64 << 20): { journal: Journal; conn: number; next: number } {
  const journal = new Journal({ budgetBytes });
  const conn = journal.open(meta);
  const chunks = mib * 16;
  for (let i = 0; i < chunks; i++) journal.append(conn, i % 2 === 0, i, new Uint8Array(65536).fill(i & 0xff));
  return { journal, conn, next: chunks };
}

describe('copying the journal for an export', () => {
  it('returns to the event loop between steps, and copies what a copy all at once does', async () => {
    const { journal } = filled(24);
    let turns = 0;
    let copying = true;
    const count = (): void => {
      if (!copying) return;
      turns++;
      setImmediate(count);
    };
    setImmediate(count);
    const copy = await copyJournalInTurns(journal);
    copying = false;
    // 24 MiB in steps of 4 MiB: the loop ran in between, several times.
    expect(turns).toBeGreaterThanOrEqual(4);
    expect(Buffer.from(copy).equals(Buffer.from(copyJournal(journal)))).toBe(true);
  });

  it('copies the records as they were when asked, though the journal evicts them meanwhile', async () => {
    const { journal, conn, next } = filled(16, 16 << 20);
    const before = copyJournal(journal);
    const copying = copyJournalInTurns(journal);
    // Another 16 MiB: the journal's budget is 16 MiB, so all it held when the copy began is evicted.
    for (let i = next; i < next + 256; i++) journal.append(conn, true, i, new Uint8Array(65536).fill(0xee));
    const copy = await copying;
    expect(Buffer.from(copy).equals(Buffer.from(before))).toBe(true);
  });
});
