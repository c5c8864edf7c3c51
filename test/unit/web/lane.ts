// A lane as the inspector's Connections makes one, for unit tests of what reads lanes.
import type { Lane } from '../../../web/inspector/connections';

export function testLane(overrides: Partial<Lane> = {}): Lane {
  return {
    key: 'i/c1',
    conn: 'c1',
    role: 'outside',
    label: 'outside',
    errors: [],
    frames: 0,
    messages: { client: 0, server: 0 },
    replayed: false,
    lost: false,
    version: 0,
    ...overrides,
  };
}
