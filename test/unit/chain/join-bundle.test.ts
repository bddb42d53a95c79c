import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { genesisJson } from '../../../shared/chain/besu/genesis.ts';
import { JOIN_BUNDLE_FILES, joinBundle } from '../../../shared/chain/besu/join-bundle.ts';
import { InvalidStateError, ValidationError } from '../../../shared/errors.ts';
import { BOOTNODE, network, node, OTHER_ENODE } from './besu-fixtures.ts';

describe('join bundle', () => {
  const bundle = joinBundle(network(), node());
  const config = parse(bundle.configToml) as Record<string, unknown>;

  it('holds the genesis, static nodes, config and README under their bundle names', () => {
    expect(Object.keys(bundle.files).sort()).toEqual(
      ['README.md', 'config.toml', 'genesis.json', 'static-nodes.json'].sort(),
    );
    expect(bundle.files[JOIN_BUNDLE_FILES.genesis]).toBe(bundle.genesisJson);
    expect(bundle.files[JOIN_BUNDLE_FILES.staticNodes]).toBe(bundle.staticNodesJson);
    expect(bundle.files[JOIN_BUNDLE_FILES.config]).toBe(bundle.configToml);
    expect(bundle.files[JOIN_BUNDLE_FILES.readme]).toBe(bundle.readme);
  });

  it('starts Besu with the bundle’s config file', () => {
    expect(bundle.startCommand).toBe(`besu --config-file=${JOIN_BUNDLE_FILES.config}`);
  });

  it('has the config refer to the bundle’s own files by relative name', () => {
    expect(config['genesis-file']).toBe(JOIN_BUNDLE_FILES.genesis);
    expect(config['static-nodes-file']).toBe(JOIN_BUNDLE_FILES.staticNodes);
    expect(config['data-path']).toBe('data');
  });

  it('ships the network’s genesis unchanged, so the node joins the same chain', () => {
    expect(bundle.genesisJson).toBe(genesisJson(network()));
  });

  it('keeps JSON-RPC, ADMIN included, on the member’s machine', () => {
    expect(config['rpc-http-host']).toBe('127.0.0.1');
    expect(config['rpc-http-api']).toContain('ADMIN');
  });

  it('connects to the network’s bootnodes unless told which static nodes to use', () => {
    expect(JSON.parse(bundle.staticNodesJson)).toEqual([BOOTNODE]);
    const chosen = joinBundle(network(), node(), { staticNodes: [BOOTNODE, OTHER_ENODE] });
    expect(JSON.parse(chosen.staticNodesJson)).toEqual([BOOTNODE, OTHER_ENODE]);
  });

  it('uses the ports and public address it is given', () => {
    const custom = joinBundle(network(), node(), { p2pHost: '203.0.113.7', p2pPort: 30_400, rpcHttpPort: 8600 });
    expect(parse(custom.configToml)).toMatchObject({
      'p2p-host': '203.0.113.7',
      'p2p-port': 30_400,
      'rpc-http-port': 8600,
    });
    expect(custom.readme).toContain('http://127.0.0.1:8600');
    expect(custom.readme).toContain('port 30400');
  });

  it('tells the member the files, the command and how to register the node', () => {
    for (const name of [JOIN_BUNDLE_FILES.genesis, JOIN_BUNDLE_FILES.staticNodes, JOIN_BUNDLE_FILES.config]) {
      expect(bundle.readme).toContain(name);
    }
    expect(bundle.readme).toContain(bundle.startCommand);
    expect(bundle.readme).toContain('net_enode');
    expect(bundle.readme).toContain('public-key export-address');
  });

  it('tells a validator that the consortium must vote it in', () => {
    expect(bundle.readme).not.toContain('add validator');
    expect(joinBundle(network(), node({ role: 'validator' })).readme).toContain('add validator');
  });

  it('refuses a managed node', () => {
    expect(() => joinBundle(network(), node({ hosting: 'managed' }))).toThrow(ValidationError);
  });

  it('refuses a retired network', () => {
    expect(() => joinBundle(network({ status: 'retired' }), node())).toThrow(InvalidStateError);
  });

  it('refuses a malformed static node', () => {
    expect(() => joinBundle(network(), node(), { staticNodes: ['enode://nope@host:1'] })).toThrow(ValidationError);
  });
});
