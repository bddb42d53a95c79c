/**
 * Which network addresses anyone on the internet can reach: the test for URLs a member gives that the platform
 * calls in AWS (self-hosted nodes' RPC URLs, webhook endpoints), where anything else is the platform's own network.
 */
import ipaddr from 'ipaddr.js';

/** True for public unicast addresses: not loopback, private, link-local, CGNAT, multicast, reserved… */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it carries.
  return ipaddr.process(address).range() === 'unicast';
}

/**
 * Why a URL's host can never be public, or undefined when it may be (a name is only judged when it is resolved, at
 * every request): a literal address that is not public, or a name of this machine.
 */
export function nonPublicHost(url: string): string | undefined {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (ipaddr.isValid(host)) return isPublicAddress(host) ? undefined : 'The address is not a public one';
  if (host === 'localhost' || host.endsWith('.localhost')) return 'The host is this machine';
  return undefined;
}
