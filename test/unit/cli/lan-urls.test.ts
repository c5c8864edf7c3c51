import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lanUrls } from '../../../server/cli/lan-urls';

const info = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null }) as NetworkInterfaceInfo;

describe('lanUrls', () => {
  const interfaces = {
    lo: [info('127.0.0.1', 'IPv4', true)],
    eth0: [info('192.168.1.20', 'IPv4', false), info('fe80::1', 'IPv6', false)],
    wlan0: [info('10.0.0.7', 'IPv4', false)],
  };

  it('names the machine’s network addresses for a server bound to every address', () => {
    expect(lanUrls('http://0.0.0.0:8765/teach?token=abc', interfaces)).toEqual([
      'http://192.168.1.20:8765/teach?token=abc',
      'http://10.0.0.7:8765/teach?token=abc',
    ]);
  });

  it('leaves a URL on a named address as it is', () => {
    expect(lanUrls('http://192.168.1.20:8765/', interfaces)).toEqual(['http://192.168.1.20:8765/']);
  });
});
