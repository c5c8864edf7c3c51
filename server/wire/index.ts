// The pure RFC 6455 core: bytes in, typed values out. Nothing here may import Node or the network,
// so the web UI and the lessons can use it as well as the server.
export * from './bytes';
export * from './close-codes';
export * from './describe';
export * from './frame';
export * from './frame-decoder';
export * from './frame-encoder';
export * from './handshake';
export * from './opcodes';
export * from './protocol-errors';
export * from './sha1';
