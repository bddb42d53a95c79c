/**
 * Clique `extraData` (EIP-225, Besu "Configure Clique consensus"): not RLP but a plain concatenation of
 * 32 bytes of vanity, the signer addresses (20 bytes each; checkpoint blocks only) and a 65-byte proposer seal,
 * which is all zeros in the genesis block because nobody proposed it.
 */
import type { BytesLike } from 'ethers';
import { getAddress } from 'ethers/address';
import { concat, hexlify, isHexString } from 'ethers/utils';
import { ValidationError } from '../../errors.ts';
import { checksummedAddress } from './validator-set.ts';

const VANITY_BYTES = 32;
const ADDRESS_BYTES = 20;
const SEAL_BYTES = 65;
const ZERO_SEAL = `0x${'00'.repeat(SEAL_BYTES)}`;

export interface CliqueExtraData {
  /** 32 bytes, 0x-prefixed hex. */
  readonly vanity: string;
  /** Checksummed signer addresses, in the order they are encoded. */
  readonly signers: readonly string[];
  /** 65 bytes, 0x-prefixed hex. */
  readonly seal: string;
}

/**
 * The genesis `extraData` for the given signers, in the order given.
 * @throws ValidationError for a malformed address, a bad vanity, or no signer (Clique needs at least one)
 */
export function cliqueGenesisExtraData(signers: readonly string[], vanity = `0x${'00'.repeat(VANITY_BYTES)}`): string {
  if (!isHexString(vanity, VANITY_BYTES)) {
    throw new ValidationError(`Clique vanity must be ${VANITY_BYTES} bytes of hex`, [
      { path: 'vanity', message: 'bad length' },
    ]);
  }
  if (signers.length === 0) {
    throw new ValidationError('A Clique genesis needs at least one signer', [{ path: 'signers', message: 'empty' }]);
  }
  const addresses = signers.map((signer, index) => checksummedAddress(signer, `signers[${index}]`));
  return hexlify(concat([vanity, ...addresses, ZERO_SEAL]));
}

/** @throws ValidationError when the bytes cannot be Clique extra data */
export function decodeCliqueExtraData(extraData: BytesLike): CliqueExtraData {
  if (typeof extraData === 'string' && !isHexString(extraData)) {
    throw new ValidationError('Clique extraData must be 0x-prefixed hex', [{ path: 'extraData', message: 'not hex' }]);
  }
  const hex = hexlify(extraData).slice(2);
  const signerBytes = hex.length / 2 - VANITY_BYTES - SEAL_BYTES;
  if (signerBytes < 0 || signerBytes % ADDRESS_BYTES !== 0) {
    throw new ValidationError('Clique extraData must be 32 bytes of vanity, 20 bytes per signer and a 65-byte seal', [
      { path: 'extraData', message: 'bad length' },
    ]);
  }
  const signers: string[] = [];
  for (let offset = VANITY_BYTES * 2; offset < hex.length - SEAL_BYTES * 2; offset += ADDRESS_BYTES * 2) {
    signers.push(getAddress(`0x${hex.slice(offset, offset + ADDRESS_BYTES * 2)}`));
  }
  return {
    vanity: `0x${hex.slice(0, VANITY_BYTES * 2)}`,
    signers,
    seal: `0x${hex.slice(hex.length - SEAL_BYTES * 2)}`,
  };
}
