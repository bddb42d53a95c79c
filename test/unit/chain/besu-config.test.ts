import fc from 'fast-check';
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { besuConfigToml, isPrivateHost, rpcApis, staticNodesJson } from '../../../shared/chain/besu/besu-config.ts';
import { tomlString } from '../../../shared/chain/besu/toml-writer.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { BOOTNODE, network, node, OTHER_ENODE } from './besu-fixtures.ts';

const parsed = (toml: string) => parse(toml) as Record<string, unknown>;

describe('Besu config TOML', () => {
  const config = parsed(besuConfigToml(network(), node()));

  it('is valid TOML with only flat keys, since Besu ignores table headings', () => {
    expect(Object.values(config).every((value) => typeof value !== 'object' || Array.isArray(value))).toBe(true);
  });

  it('points Besu at the genesis, the data directory and the network id', () => {
    expect(config).toMatchObject({ 'genesis-file': 'genesis.json', 'data-path': 'data', 'network-id': 1_337_777 });
  });

  it('runs the node as a free-gas, full-sync private network node', () => {
    expect(config).toMatchObject({ 'min-gas-price': 0, 'sync-mode': 'FULL', profile: 'ENTERPRISE' });
  });

  it('names the bootnodes and the static nodes file', () => {
    expect(config).toMatchObject({
      bootnodes: [BOOTNODE],
      'static-nodes-file': 'static-nodes.json',
      'p2p-port': 30_303,
    });
  });

  it('serves JSON-RPC on loopback only, to local hosts only', () => {
    expect(config).toMatchObject({
      'rpc-http-enabled': true,
      'rpc-http-host': '127.0.0.1',
      'rpc-http-port': 8545,
      'host-allowlist': ['localhost', '127.0.0.1'],
    });
  });

  it('exposes Prometheus metrics on loopback', () => {
    expect(config).toMatchObject({ 'metrics-enabled': true, 'metrics-host': '127.0.0.1', 'metrics-port': 9545 });
  });

  it('leaves p2p-host to Besu unless an address is given', () => {
    expect('p2p-host' in config).toBe(false);
    expect(parsed(besuConfigToml(network(), node(), { p2pHost: '203.0.113.7' }))['p2p-host']).toBe('203.0.113.7');
  });

  it.each([
    ['qbft', 'QBFT'],
    ['ibft2', 'IBFT'],
    ['clique', 'CLIQUE'],
  ] as const)('enables the %s consensus API (%s) beside ETH, NET, WEB3 and ADMIN', (consensus, api) => {
    const toml = parsed(besuConfigToml(network({ consensus }), node()));
    expect(toml['rpc-http-api']).toEqual(['ETH', 'NET', 'WEB3', api, 'ADMIN']);
    expect(rpcApis(consensus, false)).toEqual(['ETH', 'NET', 'WEB3', api]);
  });

  it('serves ADMIN on a private interface and allows that host', () => {
    const toml = parsed(besuConfigToml(network(), node(), { rpcHttpHost: '10.0.1.5' }));
    expect(toml['rpc-http-api']).toContain('ADMIN');
    expect(toml['host-allowlist']).toEqual(['localhost', '127.0.0.1', '10.0.1.5']);
  });

  it.each(['0.0.0.0', '203.0.113.7', '::'])('refuses ADMIN on %s', (host) => {
    expect(() => besuConfigToml(network(), node(), { rpcHttpHost: host })).toThrow(ValidationError);
  });

  it('listens on all interfaces only without ADMIN', () => {
    const toml = parsed(besuConfigToml(network(), node(), { rpcHttpHost: '0.0.0.0', adminApi: false }));
    expect(toml['rpc-http-api']).not.toContain('ADMIN');
    expect(toml['host-allowlist']).toEqual(['localhost', '127.0.0.1']);
  });

  it('can turn metrics off', () => {
    const toml = parsed(besuConfigToml(network(), node(), { metrics: false }));
    expect(toml['metrics-enabled']).toBe(false);
    expect('metrics-port' in toml).toBe(false);
  });

  it.each([
    ['a node of another network', network(), node({ networkId: 'net_zzzzzzzzzzzzzzzzzzzz' }), {}],
    ['a malformed bootnode', network({ bootnodes: ['enode://abc@10.0.0.1:30303'] }), node(), {}],
    ['port 0', network(), node(), { p2pPort: 0 }],
    ['port 70000', network(), node(), { rpcHttpPort: 70_000 }],
    ['a host with a space', network(), node(), { p2pHost: 'my laptop' }],
    ['a host with a quote', network(), node(), { p2pHost: 'a"b' }],
  ])('refuses %s', (_, net, member, options) => {
    expect(() => besuConfigToml(net, member, options)).toThrow(ValidationError);
  });

  it('keeps names with quotes, newlines and control characters inside their comment', () => {
    const evil = network({ name: 'x"\nmin-gas-price=1000\r\u0000\u007f' });
    const toml = parsed(besuConfigToml(evil, node({ name: 'a\\b\n[table]' })));
    expect(toml['min-gas-price']).toBe(0);
    expect(Object.keys(toml)).toEqual(Object.keys(config));
  });
});

describe('TOML strings', () => {
  it('read back as the same text, whatever the characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (text) => {
        expect(parsed(`key=${tomlString(text)}`).key).toBe(text);
      }),
      { numRuns: 150 },
    );
  });
});

describe('static-nodes.json', () => {
  it('is a JSON array of the enode URLs, duplicates dropped and ids lower-cased', () => {
    const upper = OTHER_ENODE.replace(/cd/g, 'CD');
    expect(JSON.parse(staticNodesJson([BOOTNODE, upper, OTHER_ENODE]))).toEqual([BOOTNODE, OTHER_ENODE]);
  });

  it('keeps a discovery port', () => {
    const url = `${BOOTNODE}?discport=30304`;
    expect(JSON.parse(staticNodesJson([url]))).toEqual([url]);
  });

  it.each([
    ['a short node id', `enode://${'ab'.repeat(63)}@10.0.0.1:30303`],
    ['no port', `enode://${'ab'.repeat(64)}@10.0.0.1`],
    ['port 0', `enode://${'ab'.repeat(64)}@10.0.0.1:0`],
    ['another scheme', `enr://${'ab'.repeat(64)}@10.0.0.1:30303`],
  ])('refuses an enode with %s', (_, url) => {
    expect(() => staticNodesJson([url])).toThrow(ValidationError);
  });
});

describe('private hosts', () => {
  it.each([
    ['127.0.0.1', true],
    ['localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['10.0.1.5', true],
    ['172.16.0.1', true],
    ['172.31.255.255', true],
    ['192.168.1.20', true],
    ['fd12:3456::1', true],
    ['172.32.0.1', false],
    ['169.254.169.254', false],
    ['0.0.0.0', false],
    ['203.0.113.7', false],
    ['10.0.1', false],
    ['node.example.org', false],
  ])('%s is private: %s', (host, expected) => {
    expect(isPrivateHost(host)).toBe(expected);
  });
});
