/**
 * Enode URLs members record for their nodes and operators give as bootnodes: a 128-hex node id and a host that is
 * a DNS name or an IPv4 address, nothing that could smuggle other characters into static-nodes files and configs.
 */
import { describe, expect, it } from 'vitest';
import { UpdateSelfHostedNode } from '../../../shared/schemas/network.schemas.ts';

const id = 'ab'.repeat(64);
const accepts = (enode: string) => UpdateSelfHostedNode.safeParse({ enode }).success;

describe('enode URLs', () => {
  it.each([
    `enode://${id}@203.0.113.7:30303`,
    `enode://${id}@node-1.hospital.example:30303`,
    `enode://${id}@10.0.0.5:30303?discport=30301`,
  ])('accepts %s', (enode) => {
    expect(accepts(enode)).toBe(true);
  });

  it.each([
    ['a lone surrogate in the host', `enode://${id}@\ud800:30303`],
    ['NUL and U+202E in the host', `enode://${id}@a\u0000\u202e:30303`],
    ['a slash in the host', `enode://${id}@a/b:30303`],
    ['a short node id', `enode://${'ab'.repeat(63)}@203.0.113.7:30303`],
    ['no port', `enode://${id}@203.0.113.7`],
    ['another scheme', `http://${id}@203.0.113.7:30303`],
  ])('refuses %s', (_, enode) => {
    expect(accepts(enode)).toBe(false);
  });
});
