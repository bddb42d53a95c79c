import { getAddress } from 'ethers';
import { describe, expect, it } from 'vitest';
import { cliqueGenesisExtraData, decodeCliqueExtraData } from '../../../shared/chain/besu/clique-extra-data.ts';
import { ValidationError } from '../../../shared/errors.ts';
import { CLIQUE_VECTOR } from './besu-extra-data.vectors.ts';
import { DOCS_VALIDATORS } from './besu-fixtures.ts';

const ZERO_SEAL = `0x${'00'.repeat(65)}`;

describe('Clique extraData', () => {
  it('encodes the documented one-signer genesis as Besu does', () => {
    expect(cliqueGenesisExtraData(CLIQUE_VECTOR.signers)).toBe(CLIQUE_VECTOR.encoded);
  });

  it('decodes the documented genesis into vanity, signers and an all-zero seal', () => {
    expect(decodeCliqueExtraData(CLIQUE_VECTOR.encoded)).toEqual({
      vanity: `0x${'00'.repeat(32)}`,
      signers: CLIQUE_VECTOR.signers.map((signer) => getAddress(signer)),
      seal: ZERO_SEAL,
    });
  });

  it('lays signers end to end, 20 bytes each, between the vanity and the seal', () => {
    const encoded = cliqueGenesisExtraData(DOCS_VALIDATORS);
    expect((encoded.length - 2) / 2).toBe(32 + 4 * 20 + 65);
    expect(decodeCliqueExtraData(encoded).signers).toEqual(DOCS_VALIDATORS.map((v) => getAddress(v)));
  });

  it('keeps a chosen vanity', () => {
    const vanity = `0x${'ab'.repeat(32)}`;
    expect(decodeCliqueExtraData(cliqueGenesisExtraData(CLIQUE_VECTOR.signers, vanity)).vanity).toBe(vanity);
  });

  it.each([
    ['no signer', [] as string[], undefined],
    ['a malformed signer', ['0xabc'], undefined],
    ['a 31-byte vanity', CLIQUE_VECTOR.signers, `0x${'00'.repeat(31)}`],
  ])('refuses a genesis with %s', (_, signers, vanity) => {
    expect(() => cliqueGenesisExtraData(signers, vanity)).toThrow(ValidationError);
  });

  it.each([
    ['too short for vanity and seal', `0x${'00'.repeat(96)}`],
    ['a partial signer', `0x${'00'.repeat(32 + 19 + 65)}`],
    ['text', 'signers'],
  ])('refuses to decode %s', (_, bytes) => {
    expect(() => decodeCliqueExtraData(bytes)).toThrow(ValidationError);
  });
});
