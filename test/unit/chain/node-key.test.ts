import { describe, expect, it } from 'vitest';
import { newNodeKeyFile, nodeIdentityOfNodeId, nodeKeyIdentity } from '../../../shared/chain/besu/node-key.ts';
import { ValidationError } from '../../../shared/errors.ts';

// Well-known secp256k1 pairs: the generator point (private key 1) and the web3.js documentation's example account.
const VECTORS = [
  {
    file: `0x${'0'.repeat(63)}1`,
    nodeId:
      '79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798' +
      '483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8',
    address: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf',
  },
  {
    file: '4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
    nodeId: undefined,
    address: '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23',
  },
] as const;

describe('Besu node keys', () => {
  it.each(VECTORS)('derives the node id and address of $address', ({ file, nodeId, address }) => {
    const identity = nodeKeyIdentity(file);
    expect(identity.address).toBe(address);
    if (nodeId) expect(identity.nodeId).toBe(nodeId);
    expect(identity.nodeId).toMatch(/^[0-9a-f]{128}$/);
    expect(nodeIdentityOfNodeId(identity.nodeId)).toEqual(identity);
  });

  it('reads the key file as Besu writes it: 0x-prefixed or bare hex, with surrounding whitespace', () => {
    const bare = VECTORS[1].file;
    expect(nodeKeyIdentity(`0x${bare}\n`)).toEqual(nodeKeyIdentity(bare));
    expect(nodeKeyIdentity(`  0x${bare.toUpperCase()}  `)).toEqual(nodeKeyIdentity(bare));
  });

  it('makes new keys in Besu’s format, each one different', () => {
    const files = Array.from({ length: 20 }, () => newNodeKeyFile());
    for (const file of files) expect(file).toMatch(/^0x[0-9a-f]{64}$/);
    expect(new Set(files).size).toBe(files.length);
    expect(new Set(files.map((file) => nodeKeyIdentity(file).address)).size).toBe(files.length);
  });

  it.each([
    ['zero', `0x${'0'.repeat(64)}`],
    ['the curve order', '0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141'],
    ['too short', `0x${'1'.repeat(63)}`],
    ['not hex', `0x${'g'.repeat(64)}`],
    ['empty', ''],
  ])('refuses a key file holding %s, without echoing it', (_, file) => {
    let thrown: unknown;
    try {
      nodeKeyIdentity(file);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    if (file.length > 8) expect((thrown as Error).message).not.toContain(file.slice(2, 20));
  });
});
