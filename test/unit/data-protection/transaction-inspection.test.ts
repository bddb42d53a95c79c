/**
 * Signed transactions as the gateway receives them: the inspector reads what ethers' own `Transaction.from` reads
 * (the address called and the data) for every transaction type it signs, names personal data at its calldata or
 * init-code offset, including inside nested `bytes`, and finds nothing in ABI-encoded values that are not text or
 * in random calldata.
 */

import { getBytes, hexlify, Interface, Transaction, Wallet } from 'ethers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInto } from '../../../shared/data-protection/hex-digits.ts';
import { PersonalDataScanner } from '../../../shared/data-protection/personal-data-scanner.ts';
import { transactionBody } from '../../../shared/data-protection/raw-transaction.ts';

const inspector = new PersonalDataScanner();
await inspector.prepare();
const wallet = new Wallet('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
const CHAIN_ID = 1_337_777;
const abi = new Interface([
  'function record(string note)',
  'function transfer(address to, uint256 amount)',
  'function approve(address spender, uint256 amount)',
  'function multicall(bytes[] calls)',
  'function propose(address[] targets, uint256[] values, bytes[] calldatas, string description)',
  'function grantConsent(bytes32 patientRef, bytes32 purpose, uint64 validUntil)',
]);
const CONTRACT = '0x5FbDB2315678afecb367f032d93F642f64180aa3';

function sign(fields: { type: 0 | 1 | 2; to?: string; data: string; nonce?: number }): Promise<string> {
  const fees = fields.type === 2 ? { maxFeePerGas: 0n, maxPriorityFeePerGas: 0n } : { gasPrice: 0n };
  return wallet.signTransaction({
    chainId: CHAIN_ID,
    nonce: fields.nonce ?? 0,
    gasLimit: 500_000n,
    ...fields,
    ...fees,
  });
}

/** The data the reader finds in a signed transaction, as 0x hex: the bytes where it says the data lies. */
function dataOf(raw: string): string | undefined {
  const body = transactionBody(raw);
  if (!body) return undefined;
  const { hex, dataStart, dataEnd } = body;
  return hexlify(decodeInto(hex, dataStart, dataEnd, new Uint8Array(dataEnd - dataStart)));
}

describe('reading a signed transaction', () => {
  it('reads the same address and data as ethers’ Transaction.from for legacy, 2930 and 1559 transactions', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(0 as const, 1 as const, 2 as const),
        fc.option(fc.uint8Array({ minLength: 20, maxLength: 20 }).map(hexlify), { nil: undefined }),
        fc.uint8Array({ maxLength: 600 }).map(hexlify),
        fc.nat({ max: 2 ** 32 }),
        async (type, to, data, nonce) => {
          const raw = await sign({ type, to, data, nonce });
          const expected = Transaction.from(raw);
          expect(transactionBody(raw)?.to).toBe(expected.to?.toLowerCase());
          expect(dataOf(raw)).toBe(expected.data);
        },
      ),
      { numRuns: 60, seed: 17 },
    );
  });

  it.each(['0x', '0x1', 'not hex', '0x05c0', `0x02${'ff'.repeat(20)}`, '0xc0'])('cannot read %s', (raw) => {
    expect(inspector.inspectRawTransaction(raw)).toEqual({ decoded: false, to: undefined, findings: [] });
  });
  it('cannot read a transaction with a digit that is not hex in a header or the address, or a character beyond ASCII', async () => {
    const data = abi.encodeFunctionData('record', ['batch released']);
    const raw = await sign({ type: 2, to: CONTRACT, data });
    const dataAt = raw.indexOf(data.slice(2));
    const withCharacter = (at: number, character: string) => `${raw.slice(0, at)}${character}${raw.slice(at + 1)}`;
    // The envelope's type, the list header and the address.
    for (const at of [2, 5, raw.indexOf(CONTRACT.slice(2).toLowerCase()) + 3]) {
      expect(inspector.inspectRawTransaction(withCharacter(at, 'g')).decoded).toBe(false);
      expect(inspector.inspectRawTransaction(withCharacter(at, '\u00e9')).decoded).toBe(false);
    }
    // The data's selector and its text, and the signature.
    for (const at of [dataAt + 1, dataAt + 150, raw.length - 1]) {
      expect(inspector.inspectRawTransaction(withCharacter(at, '\u00e9')).decoded).toBe(false);
      expect(inspector.inspectRawTransaction(withCharacter(at, '\u0130')).decoded).toBe(false);
    }
  });

  it('reads a transaction with a digit that is not hex in its data, which the node refuses: the pair hides nothing else', async () => {
    const data = abi.encodeFunctionData('record', [`batch 7 19121212-1212 ${'x'.repeat(40)} anna@region.se`]);
    const raw = await sign({ type: 2, to: CONTRACT, data });
    const dataAt = raw.indexOf(data.slice(2));
    const withCharacter = (at: number, character: string) => `${raw.slice(0, at)}${character}${raw.slice(at + 1)}`;
    const textAt = dataAt + 2 * 68;
    // In the selector, the offset word, the length word, and the text between the personnummer and the address.
    for (const at of [dataAt + 1, dataAt + 8 + 63, dataAt + 8 + 127, textAt + 2 * 30]) {
      const inspection = inspector.inspectRawTransaction(withCharacter(at, 'g'));
      expect(inspection.decoded).toBe(true);
      expect(inspection.findings.map((f) => f.detector).sort()).toEqual(['email', 'personnummer']);
    }
    // In the personnummer's digits: that pair is no byte and no text, so the digits around it are no personnummer.
    const inNumber = inspector.inspectRawTransaction(withCharacter(textAt + 2 * 12 + 1, 'g'));
    expect(inNumber.findings.map((f) => f.detector)).toEqual(['email']);
  });

  it('reads the data of a transaction whose signature is not hex: the node refuses it, the data is still inspected', async () => {
    const raw = await sign({ type: 2, to: CONTRACT, data: abi.encodeFunctionData('record', ['19121212-1212']) });
    const inspection = inspector.inspectRawTransaction(`${raw.slice(0, -1)}g`);
    expect(inspection.findings.map((f) => [f.detector, f.location])).toEqual([['personnummer', 'calldata offset 68']]);
  });

  it('reads hex written in capitals, naming the address in lower case', async () => {
    const raw = await sign({ type: 2, to: CONTRACT, data: abi.encodeFunctionData('record', ['19121212-1212']) });
    const inspection = inspector.inspectRawTransaction(`0x${raw.slice(2).toUpperCase()}`);
    expect(inspection.to).toBe(CONTRACT.toLowerCase());
    expect(inspection.findings.map((f) => f.location)).toEqual(['calldata offset 68']);
  });
});

describe('personal data in a signed transaction', () => {
  it('names a personnummer in a string argument at calldata offset 68', async () => {
    const raw = await sign({ type: 2, to: CONTRACT, data: abi.encodeFunctionData('record', ['19121212-1212']) });
    const inspection = inspector.inspectRawTransaction(raw);
    expect(inspection.to).toBe(CONTRACT.toLowerCase());
    expect(inspection.findings.map((f) => [f.detector, f.location])).toEqual([['personnummer', 'calldata offset 68']]);
  });

  it('reads only the data of the transaction it is given, not what an earlier, longer one left in its buffer', async () => {
    const note = abi.encodeFunctionData('record', [
      `${'Batch released by QA. '.repeat(8)}anna@region.se 19121212-1212`,
    ]);
    const long = await sign({ type: 2, to: CONTRACT, data: note });
    // The same calldata cut before the personal data, in a transaction of the same kind.
    const cut = await sign({ type: 2, to: CONTRACT, data: note.slice(0, note.length - 128) });
    expect(
      inspector
        .inspectRawTransaction(long)
        .findings.map((f) => f.detector)
        .sort(),
    ).toEqual(['email', 'personnummer']);
    const inspection = inspector.inspectRawTransaction(cut);
    expect(inspection.findings).toEqual([]);
    expect(dataOf(cut)).toBe(note.slice(0, note.length - 128));
  });

  it('names personal data in init code as init code', async () => {
    const initCode = `0x6080604052${Buffer.from('owner: anna@region.se').toString('hex')}`;
    const inspection = inspector.inspectRawTransaction(await sign({ type: 0, data: initCode }));
    expect(inspection.to).toBeUndefined();
    expect(inspection.findings.map((f) => [f.detector, f.location])).toEqual([['email', 'init code offset 12']]);
  });

  it('finds a call nested in a multicall and a proposal’s calldata', () => {
    const inner = abi.encodeFunctionData('record', ['070-123 45 67']);
    const multicall = abi.encodeFunctionData('multicall', [
      [abi.encodeFunctionData('transfer', [CONTRACT, 5n]), inner],
    ]);
    const proposal = abi.encodeFunctionData('propose', [[CONTRACT], [0n], [inner], 'Admit the clinic']);
    for (const data of [multicall, proposal]) {
      const findings = inspector.inspectTransaction({ to: CONTRACT, data });
      expect(findings.map((f) => f.detector)).toEqual(['phone']);
      const offset = Number(findings[0]?.location.replace('calldata offset ', ''));
      expect(Buffer.from(getBytes(data).subarray(offset, offset + 13)).toString()).toBe('070-123 45 67');
    }
  });

  it('finds nothing in ABI-encoded values that are not text: amounts, addresses, hashes, timestamps, arrays', () => {
    const address = fc.uint8Array({ minLength: 20, maxLength: 20 }).map(hexlify);
    const word = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hexlify);
    const amount = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
    const call = fc.oneof(
      fc.tuple(address, amount).map(([to, value]) => abi.encodeFunctionData('transfer', [to, value])),
      fc.tuple(address, amount).map(([to, value]) => abi.encodeFunctionData('approve', [to, value])),
      fc
        .tuple(word, word, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }))
        .map(([ref, purpose, until]) => abi.encodeFunctionData('grantConsent', [ref, purpose, until])),
    );
    const data = fc.oneof(
      call,
      fc.array(call, { maxLength: 5 }).map((calls) => abi.encodeFunctionData('multicall', [calls])),
    );
    fc.assert(
      fc.property(data, (calldata) => {
        expect(inspector.inspectTransaction({ to: CONTRACT, data: calldata })).toEqual([]);
      }),
      { numRuns: 500, seed: 17 },
    );
  });

  it('finds nothing in random calldata and random init code', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 4, maxLength: 2048 }), fc.boolean(), (data, deployment) => {
        expect(inspector.inspectTransaction({ to: deployment ? undefined : CONTRACT, data })).toEqual([]);
      }),
      { numRuns: 500, seed: 17 },
    );
  });
});
