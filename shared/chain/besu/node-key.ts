/**
 * Besu node keys: the secp256k1 key a node signs P2P handshakes with and, on a QBFT network, seals blocks with.
 *
 * A QBFT genesis names its validators by node-key address, so the keys of a network's first validators have to
 * exist before its genesis can be written. Besu makes a missing key on first start (too late for that), so for
 * the nodes it runs itself the control plane writes the key file into the node's own data directory first, in
 * Besu's format (`<data-path>/key`: the private key as `0x` + 64 hex characters), exactly as
 * `besu public-key export-address` would have created it. The key stays in that directory; the control plane
 * keeps only what it derives from it: the node id (the enode's public key) and the node address.
 */
import { randomBytes } from 'node:crypto';
import { getAddress } from 'ethers/address';
import { keccak256, SigningKey } from 'ethers/crypto';
import { dataSlice } from 'ethers/utils';
import type { NodeKeyIdentity } from '../../domain/node.ts';
import { ValidationError } from '../../errors.ts';

export type { NodeKeyIdentity } from '../../domain/node.ts';

const KEY_FILE = /^(?:0x)?([0-9a-fA-F]{64})$/;

/** A new key file's content, as Besu writes it (one line, no newline). Rejection-sampled: a value of zero or at least the curve order is not a key. */
export function newNodeKeyFile(): string {
  for (;;) {
    const candidate = `0x${randomBytes(32).toString('hex')}`;
    if (isPrivateKey(candidate)) return candidate;
  }
}

/** The identity of a key file's key. @throws ValidationError when the content is not a secp256k1 private key */
export function nodeKeyIdentity(keyFile: string): NodeKeyIdentity {
  const match = KEY_FILE.exec(keyFile.trim());
  const privateKey = match ? `0x${match[1]!.toLowerCase()}` : undefined;
  if (!privateKey || !isPrivateKey(privateKey)) {
    throw new ValidationError('The node key file does not hold a secp256k1 private key (0x + 64 hex characters)');
  }
  return identityOfPublicKey(new SigningKey(privateKey).publicKey);
}

/** The identity behind an enode's node id (128 hex characters). */
export function nodeIdentityOfNodeId(nodeId: string): NodeKeyIdentity {
  return identityOfPublicKey(`0x04${nodeId}`);
}

function identityOfPublicKey(uncompressed: string): NodeKeyIdentity {
  const publicKey = `0x${uncompressed.slice(4).toLowerCase()}`;
  return { nodeId: publicKey.slice(2), address: getAddress(dataSlice(keccak256(publicKey), 12)) };
}

function isPrivateKey(hex: string): boolean {
  try {
    // SigningKey checks the length only; deriving the public key rejects zero and values past the curve order.
    return new SigningKey(hex).publicKey.length === 132;
  } catch {
    return false;
  }
}
