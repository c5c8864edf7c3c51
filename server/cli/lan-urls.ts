import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * A URL on a wildcard bind address (`0.0.0.0`, `::`) as others on the network reach it: one per
 * non-internal IPv4 address of this machine. Any other URL is reachable as it is.
 */
export function lanUrls(url: string, interfaces: Interfaces = networkInterfaces()): string[] {
  const parsed = new URL(url);
  if (parsed.hostname !== '0.0.0.0' && parsed.hostname !== '[::]') return [url];
  const addresses = Object.values(interfaces)
    .flat()
    .filter(
      (info): info is NetworkInterfaceInfo => info !== undefined && info.family === 'IPv4' && !info.internal,
    )
    .map((info) => info.address);
  return addresses.map((address) => {
    const copy = new URL(url);
    copy.hostname = address;
    return copy.href;
  });
}
