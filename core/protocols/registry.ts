// Every protocol the inspector decodes. Adding one is a file in this folder exporting its
// `ProtocolDefinition` and one line here; detection tries them in this order, so a protocol
// recognised by a looser signature goes after the strict ones.

import { graphqlWs } from './graphql-ws';
import { mqtt } from './mqtt';
import type { ProtocolDefinition } from './protocol';
import { signalR } from './signalr';
import { socketIo } from './socket-io';
import { stomp } from './stomp';
import { wamp } from './wamp';

export const PROTOCOLS: readonly ProtocolDefinition[] = [socketIo, graphqlWs, stomp, mqtt, signalR, wamp];
