import type { Result } from '../../core/result';
import { isAllowedTarget, type ProxyTarget, parseTarget } from '../proxy/target';

/**
 * May the conformance check connect to this URL? The same rule as `/proxy`: loopback addresses
 * always, anything else only when named with --allow-target, so that neither the command line nor
 * the page becomes a way to send deliberately broken frames to any host the machine can reach.
 */
export function checkConformanceTarget(url: string, allowTargets: readonly string[]): Result<ProxyTarget> {
  const parsed = parseTarget(url);
  if (!parsed.ok) return { ok: false, error: parsed.reason };
  const { host, port } = parsed.target;
  if (!isAllowedTarget(host, port, allowTargets)) {
    return {
      ok: false,
      error: `${host}:${port} is not a loopback address: to check it anyway, add --allow-target ${host}:${port}`,
    };
  }
  return { ok: true, value: parsed.target };
}
