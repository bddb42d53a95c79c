/**
 * A self-hosted node's `rpcUrl` (create and update) is an absolute http(s) URL as RFC 3986 defines it: only the
 * characters the RFC allows, in the places it allows them, with a host and without credentials. WHATWG URL
 * parsing would percent-encode or drop the rest silently; these are refused, with the reason in the field error.
 */
import { describe, expect, it } from 'vitest';
import { CreateNode, UpdateSelfHostedNode } from '../../../shared/schemas/network.schemas.ts';

const ACCEPTED = [
  'http://127.0.0.1:8545',
  'https://rpc.member.example:8545/',
  'https://rpc.member.example/v1/abc-DEF_1.2~3?token=a%20b&x=1#head',
  'HTTPS://RPC.Member.Example/',
  'http://[::1]:8545/',
  'http://[2001:db8::7]/rpc',
  'http://xn--lkemedel-5za.example/',
  "https://rpc.example/a;b=c/d,e!f$g'h(i)j*k+l@m:n",
];

const REFUSED: Array<{ url: string; why: RegExp }> = [
  { url: 'http://127.0.0.1:8545/\u0000', why: /U\+0000/ },
  { url: 'http://rpc.example/\u202egpj.exe', why: /U\+202E/ },
  { url: 'http://rpc.example/x\ud800', why: /U\+D800/ },
  { url: 'http://rpc.example/\udc00x', why: /U\+DC00/ },
  { url: 'http://rpc example/', why: /U\+0020/ },
  { url: ' http://rpc.example/', why: /U\+0020/ },
  { url: 'http://rpc.example/\t', why: /U\+0009/ },
  { url: 'http://rpc.example/\r\nX-Injected: 1', why: /U\+000D/ },
  { url: 'http://rpc.example\\evil.example/', why: /U\+005C/ },
  { url: 'http://läkemedel.example/', why: /U\+00E4/ },
  { url: 'http://rpc.example/"quoted"', why: /U\+0022/ },
  { url: 'http://rpc.example/<script>', why: /U\+003C/ },
  { url: 'http://rpc.example/%', why: /percent-encoded/ },
  { url: 'http://rpc.example/%zz', why: /percent-encoded/ },
  { url: 'http://rpc.example/a[0]', why: /RFC 3986/ },
  { url: 'http://rpc.example/#a#b', why: /RFC 3986/ },
  { url: 'ftp://rpc.example/', why: /http and https/ },
  { url: 'javascript:alert(1)', why: /http and https/ },
  { url: 'file:///etc/passwd', why: /http and https/ },
  { url: 'rpc.example:8545', why: /http and https/ },
  { url: '//rpc.example/', why: /absolute/ },
  { url: 'http:/rpc.example', why: /host/ },
  { url: 'http:///rpc', why: /host/ },
  { url: 'http://user:secret@rpc.example/', why: /credentials/ },
  { url: 'http://rpc.example:99999/', why: /host or port/ },
  { url: 'http://rpc.example%00.evil/', why: /host or port/ },
  { url: 'http://[::1/', why: /RFC 3986/ },
  { url: `http://rpc.example/${'a'.repeat(2048)}`, why: /2048/ },
];

const NETWORK_ID = 'net_aaaaaaaaaaaaaaaaaaaa';
const create = (rpcUrl: string) => CreateNode.safeParse({ networkId: NETWORK_ID, hosting: 'self-hosted', rpcUrl });
const update = (rpcUrl: string) => UpdateSelfHostedNode.safeParse({ rpcUrl });

describe('rpcUrl of a self-hosted node', () => {
  it.each(ACCEPTED)('accepts %s', (url) => {
    expect(create(url).error?.issues ?? []).toEqual([]);
    expect(update(url).error?.issues ?? []).toEqual([]);
  });

  it.each(REFUSED)('refuses $url', ({ url, why }) => {
    for (const result of [create(url), update(url)]) {
      expect(result.success).toBe(false);
      const issues = result.error?.issues ?? [];
      expect(issues.map((issue) => issue.path)).toEqual(issues.map(() => ['rpcUrl']));
      expect(issues.map((issue) => issue.message).join('; ')).toMatch(why);
    }
  });

  it('can still be cleared on update', () => {
    expect(UpdateSelfHostedNode.safeParse({ rpcUrl: null }).success).toBe(true);
  });
});
