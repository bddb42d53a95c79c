/**
 * Validator addresses as Besu expects them in a genesis block: checksummed, without duplicates, in ascending byte
 * order. Besu keeps validators in a sorted set (VoteTally) and rejects any later block header whose extraData lists
 * them out of ascending order, and its docs ask for ascending order in the genesis too; `besu rlp encode` itself
 * keeps the order it is given, so the order is ours to get right.
 */
import { getAddress } from 'ethers/address';
import { isHexString } from 'ethers/utils';
import { ValidationError } from '../../errors.ts';

/** A checksummed address, or a ValidationError naming the field. */
export function checksummedAddress(value: string, field: string): string {
  const prefixed = value.startsWith('0x') || value.startsWith('0X') ? value : `0x${value}`;
  if (!isHexString(prefixed, 20)) {
    throw new ValidationError(`${field} is not a 20-byte hex address`, [{ path: field, message: 'not an address' }]);
  }
  try {
    return getAddress(prefixed);
  } catch (cause) {
    // A mixed-case address whose checksum is wrong is more likely a typo than a different address.
    throw new ValidationError(`${field} has an invalid checksum`, [{ path: field, message: 'bad checksum' }], {
      cause,
    });
  }
}

/** Ascending order of the 20 address bytes, which is the order of their lower-case hex. */
export function compareAddresses(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * The canonical validator list: checksummed and sorted ascending.
 * @throws ValidationError for a malformed address or one listed twice
 */
export function canonicalValidators(addresses: readonly string[], field = 'validators'): string[] {
  const checksummed = addresses.map((address, index) => checksummedAddress(address, `${field}[${index}]`));
  const sorted = [...checksummed].sort(compareAddresses);
  for (let index = 1; index < sorted.length; index++) {
    if (sorted[index] === sorted[index - 1]) {
      throw new ValidationError(`${field} lists ${sorted[index]} twice`, [{ path: field, message: 'duplicate' }]);
    }
  }
  return sorted;
}
