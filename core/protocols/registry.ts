// Every protocol the inspector decodes. Adding one is a file in this folder exporting its
// `ProtocolDefinition` and one line here; detection tries them in this order, so a protocol
// recognised by a looser signature goes after the strict ones.

import type { ProtocolDefinition } from './protocol';

export const PROTOCOLS: readonly ProtocolDefinition[] = [];
