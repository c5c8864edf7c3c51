// The CPU time of the calling thread alone, where the system says it (Linux). Event-loop
// utilisation counts a thread as busy while it waits for a core, so on a machine with more busy
// threads than cores it overstates the cost; the kernel's own count does not.
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on Linux for /proc

/** User plus system CPU time of this thread in ms, or null where /proc/thread-self is missing. */
export function threadCpuMs(): number | null {
  try {
    // Fields 14 and 15 (utime, stime), counted after the command name, which may hold spaces.
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}
