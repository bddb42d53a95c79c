/**
 * EIP-712 typed data read by its types, as consent relays and the signing API's `sign-typed-data` hand it to the
 * inspector: text members are read as text and `bytes`/`bytesN` members by the bytes they hold, so a personnummer
 * in a `bytes32` is found at its path, while the typed data's structure (nonces, deadlines, Unix times in seconds
 * and milliseconds, chain ids, addresses, hashes), even written as decimal text that looks like a personnummer, is
 * never read as text. Data-driven over 2,000 seeded consent actions as patients sign them.
 */
import { encodeBytes32String, hexlify, keccak256, toUtf8Bytes } from 'ethers';
import { describe, expect, it } from 'vitest';
import { PersonalDataScanner } from '../../../shared/data-protection/personal-data-scanner.ts';
import {
  CONSENT_TYPES,
  type ConsentAction,
  codeWord,
  consentDomain,
  consentTypesOf,
} from '../../../shared/domain/consent.ts';
import { seededRandom } from '../../support/realistic-transactions.ts';

const inspector = new PersonalDataScanner();
await inspector.prepare();
const LEDGER = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const PERSONNUMMER = '19121212-1212';

const where = (findings: readonly { detector: string; location: string }[]) =>
  findings.map((f) => `${f.detector} @ ${f.location}`);

/** Decimal text that a digit-run detector would take for a personnummer if it read it. */
const LOOKALIKES = ['191212121212', '1912121212', '199001011239', '201212121212'];

function consentAction(random: () => number, index: number) {
  const hex = (bytes: number) => hexlify(Uint8Array.from({ length: bytes }, () => Math.floor(random() * 256)));
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  // Numbers as wallets write them in eth_signTypedData_v4 JSON: decimal text, sometimes digits a person could misread.
  const number = () =>
    pick([
      () => String(Math.floor(random() * 2 ** 32)),
      () => String(1_700_000_000 + Math.floor(random() * 300_000_000)),
      () => String(1_700_000_000_000 + Math.floor(random() * 300_000_000_000)),
      () => pick(LOOKALIKES),
      () => String(index),
    ])();
  const action = pick(Object.keys(CONSENT_TYPES) as ConsentAction[]);
  const message: Record<string, unknown> = {
    subject: hex(32),
    patientKey: hex(20),
    didCommitment: keccak256(toUtf8Bytes(`did:ethr:0x1469b1:${hex(20)}#${index}`)),
    grantee: hex(20),
    purpose: codeWord(pick(['TREAT', 'ETREAT', 'HRESCH', 'PATRQT'])),
    resourceTypes: ['Observation', 'MedicationStatement', 'Patient', 'Immunization']
      .slice(0, 1 + (index % 4))
      .map(codeWord),
    dataFrom: number(),
    dataUntil: number(),
    validFrom: number(),
    validUntil: number(),
    permit: random() < 0.8,
    policyHash: keccak256(toUtf8Bytes(`Samtycke ${index}`)),
    receiptHash: hex(32),
    supersedes: random() < 0.8 ? `0x${'00'.repeat(32)}` : hex(32),
    consentId: hex(32),
    blocked: random() < 0.5,
    nonce: number(),
    deadline: number(),
  };
  const chainId = pick([1337, 1_337_777, 191_212_121_212]);
  return { action, domain: { ...consentDomain(chainId, LEDGER) }, message };
}

describe('typed data read by its types', () => {
  it('finds a personnummer a bytes32 member carries, at its path, and nothing in the structure around it', () => {
    const findings = inspector.inspectTypedData({
      domain: { ...consentDomain(1337, LEDGER) },
      message: {
        consentId: encodeBytes32String(PERSONNUMMER),
        nonce: '191212121212',
        deadline: '1912121212',
      },
      types: consentTypesOf('WithdrawConsent'),
      primaryType: 'WithdrawConsent',
    });
    expect(where(findings)).toEqual(['personnummer @ typed data message.consentId bytes offset 0']);
  });

  it('reads string members and members of nested structs and arrays; finds the primary type itself', () => {
    const findings = inspector.inspectTypedData({
      domain: { name: 'Roster', version: '1', chainId: '191212121212', salt: encodeBytes32String('a@region.se') },
      message: {
        entries: [
          { note: 'on duty', staff: hexlify(toUtf8Bytes('ring 070-123 45 67')), at: '199001011239' },
          { note: `pnr ${PERSONNUMMER}`, staff: '0x', at: '201212121212' },
        ],
      },
      types: {
        Roster: [{ name: 'entries', type: 'Entry[]' }],
        Entry: [
          { name: 'note', type: 'string' },
          { name: 'staff', type: 'bytes' },
          { name: 'at', type: 'uint256' },
        ],
      },
    });
    expect(where(findings)).toEqual([
      'email @ typed data domain.salt bytes offset 0',
      'phone @ typed data message.entries[0].staff bytes offset 5',
      'personnummer @ typed data message.entries[1].note offset 4',
    ]);
  });

  it('does not read members the types do not declare: they are not signed', () => {
    const findings = inspector.inspectTypedData({
      domain: {},
      message: { note: 'fine', unsigned: PERSONNUMMER },
      types: { Entry: [{ name: 'note', type: 'string' }] },
    });
    expect(findings).toEqual([]);
  });

  it('finds nothing in 2,000 consent actions whose numbers look like personnummer', () => {
    const random = seededRandom(2026);
    const flagged: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const { action, domain, message } = consentAction(random, i);
      const findings = inspector.inspectTypedData({
        domain,
        message,
        types: consentTypesOf(action),
        primaryType: action,
      });
      if (findings.length > 0) flagged.push(`${i} ${action}: ${where(findings).join(', ')}`);
    }
    expect(flagged).toEqual([]);
  });

  it('finds a personnummer put into any bytes32 member of a consent action', () => {
    const random = seededRandom(7);
    for (const action of Object.keys(CONSENT_TYPES) as ConsentAction[]) {
      for (const field of CONSENT_TYPES[action].filter((f) => f.type === 'bytes32')) {
        const { domain, message } = consentAction(random, 1);
        const findings = inspector.inspectTypedData({
          domain,
          message: { ...message, [field.name]: encodeBytes32String(`pnr ${PERSONNUMMER}`) },
          types: consentTypesOf(action),
          primaryType: action,
        });
        expect(where(findings), `${action}.${field.name}`).toEqual([
          `personnummer @ typed data message.${field.name} bytes offset 4`,
        ]);
      }
    }
  });
});
