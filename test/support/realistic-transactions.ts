/**
 * Transactions as a healthcare consortium sends them, none carrying personal data, drawn from a seeded generator so
 * every run sees the same ones: ERC-20 transfers and approvals, contract deployments (the platform's own compiled
 * governance contract, and ERC-20s with name and symbol), governance calls (the consortium contract, and
 * OpenZeppelin-style proposals with descriptions), consent-like calls (patient references as hashes, purposes as
 * short text, expiry times), batch-release notes with dates, lot numbers, versions, URLs and UUIDs, multicalls,
 * plain payments and random calldata. The false-positive rate of the personal-data inspector is measured on these
 * (test/unit/data-protection/realistic-mix.test.ts and `npm run bench -- personal-data`).
 */
import { AbiCoder, Interface, keccak256, Transaction, toUtf8Bytes } from 'ethers';
import governance from '../../shared/chain/contracts/build/ConsortiumGovernance.json' with { type: 'json' };

export type TransactionKind =
  | 'erc20-transfer'
  | 'erc20-approve'
  | 'deploy-governance'
  | 'deploy-erc20'
  | 'governance-vote'
  | 'governance-propose'
  | 'consent'
  | 'batch-note'
  | 'multicall'
  | 'payment'
  | 'random-calldata';

export interface RealisticTransaction {
  readonly kind: TransactionKind;
  readonly to: string | undefined;
  readonly data: string;
  /** The unsigned EIP-1559 serialisation (what the gateway decodes, less the signature). */
  readonly unsignedRaw: string;
  readonly fields: { nonce: number; chainId: number; to: string | null; data: string; gasLimit: number };
}

const ERC20 = new Interface([
  'function transfer(address to, uint256 amount)',
  'function approve(address spender, uint256 amount)',
  'constructor(string name, string symbol, uint8 decimals)',
]);
const GOVERNOR = new Interface([
  'function propose(address[] targets, uint256[] values, bytes[] calldatas, string description)',
  'function castVoteWithReason(uint256 proposalId, uint8 support, string reason)',
]);
const CONSORTIUM = new Interface(governance.abi);
const CONSENT = new Interface([
  'function recordConsent(bytes32 patientRef, string purpose, uint64 validUntil, bytes32 documentHash)',
  'function revokeConsent(bytes32 consentId, string reason)',
  'function grantAccess(address grantee, bytes32 patientRef, uint64 expiresAt)',
]);
const BATCH = new Interface([
  'function releaseBatch(string lot, string product, uint64 releasedAt, string note)',
  'function anchor(bytes32 root, string uri, string schemaVersion)',
]);
const MULTICALL = new Interface(['function multicall(bytes[] data)']);
const ERC20_INIT = `0x608060405234801561001057600080fd5b50${'6080604052'.repeat(40)}`;

const PURPOSES = ['treatment', 'research', 'quality-registry', 'second-opinion', 'clinical-trial NCT05512345'];
const PRODUCTS = ['Paracetamol 500 mg', 'Insulin glargin 100 E/ml', 'Amoxicillin 250 mg/5 ml', 'Vaccine lot'];
const TOKENS = [
  ['CareChain Credit', 'CCC'],
  ['Region Skåne Vård', 'RSV'],
  ['Lab Sample Token', 'LST'],
] as const;
const REASONS = [
  'Agreed at the board meeting of 2026-11-24',
  'Needed for the Q4 release (v2.3.1)',
  'Per decision 2026/1187, section 4.2',
  'Validator rotation, see ticket OPS-20261124',
  'Against: the node has been down 3 times since 2026-10-01',
];

/** A small, fast, seeded generator (mulberry32), so a corpus is the same in every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The entry whose weight band `roll` (from 0 to the sum of the weights) falls in. */
function weighted<T extends readonly [unknown, number, ...unknown[]]>(entries: readonly T[], roll: number): T {
  let left = roll;
  for (const entry of entries) {
    left -= entry[1];
    if (left < 0) return entry;
  }
  return entries[entries.length - 1] as T;
}

/** `count` transactions of the realistic mix, the same for the same seed. */
export function realisticTransactions(count: number, seed = 17): RealisticTransaction[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const int = (max: number) => Math.floor(random() * max);
  const hex = (bytes: number) =>
    `0x${Array.from({ length: bytes }, () => int(256).toString(16).padStart(2, '0')).join('')}`;
  const address = () => hex(20);
  const date = () => `20${20 + int(7)}-${String(1 + int(12)).padStart(2, '0')}-${String(1 + int(28)).padStart(2, '0')}`;
  const timestamp = () => BigInt(1_700_000_000 + int(200_000_000));
  const amount = () => BigInt(int(1_000_000)) * 10n ** BigInt(int(19));
  const uuid = () => {
    const h = hex(16).slice(2);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  };
  const lot = () => `LOT-${date().replaceAll('-', '')}-${String(int(10_000)).padStart(4, '0')}`;

  const kinds: Array<[TransactionKind, number, () => { to: string | undefined; data: string }]> = [
    [
      'erc20-transfer',
      25,
      () => ({ to: address(), data: ERC20.encodeFunctionData('transfer', [address(), amount()]) }),
    ],
    ['erc20-approve', 8, () => ({ to: address(), data: ERC20.encodeFunctionData('approve', [address(), amount()]) })],
    [
      'deploy-governance',
      2,
      () => ({
        to: undefined,
        data:
          governance.bytecode +
          AbiCoder.defaultAbiCoder()
            .encode(
              ['address[]', 'bytes32[]', 'address[]', 'uint64', 'uint64', 'uint64', 'address'],
              [[address(), address()], [hex(32), hex(32)], [address()], 86_400, 3_600, 604_800, address()],
            )
            .slice(2),
      }),
    ],
    [
      'deploy-erc20',
      5,
      () => {
        const [name, symbol] = pick(TOKENS);
        return { to: undefined, data: ERC20_INIT + ERC20.encodeDeploy([name, symbol, 18]).slice(2) };
      },
    ],
    [
      'governance-vote',
      10,
      () =>
        random() < 0.5
          ? { to: address(), data: CONSORTIUM.encodeFunctionData('vote', [BigInt(1 + int(500)), random() < 0.7]) }
          : {
              to: address(),
              data: GOVERNOR.encodeFunctionData('castVoteWithReason', [BigInt(hex(32)), int(3), pick(REASONS)]),
            },
    ],
    [
      'governance-propose',
      5,
      () =>
        random() < 0.5
          ? {
              to: address(),
              data: CONSORTIUM.encodeFunctionData('proposeAdmitMember', [
                address(),
                hex(32),
                BigInt(86_400 * (1 + int(14))),
              ]),
            }
          : {
              to: address(),
              data: GOVERNOR.encodeFunctionData('propose', [
                [address()],
                [0n],
                [ERC20.encodeFunctionData('transfer', [address(), amount()])],
                `Proposal ${int(1000)}: fund the ${pick(PURPOSES)} registry for ${date().slice(0, 4)} (${uuid()})`,
              ]),
            },
    ],
    [
      'consent',
      20,
      () => {
        const choice = int(3);
        const patientRef = keccak256(toUtf8Bytes(`salted reference ${int(1e9)}`));
        if (choice === 0)
          return {
            to: address(),
            data: CONSENT.encodeFunctionData('recordConsent', [patientRef, pick(PURPOSES), timestamp(), hex(32)]),
          };
        if (choice === 1)
          return {
            to: address(),
            data: CONSENT.encodeFunctionData('revokeConsent', [hex(32), `Withdrawn ${date()} via 1177 e-tjänst`]),
          };
        return { to: address(), data: CONSENT.encodeFunctionData('grantAccess', [address(), patientRef, timestamp()]) };
      },
    ],
    [
      'batch-note',
      10,
      () =>
        random() < 0.6
          ? {
              to: address(),
              data: BATCH.encodeFunctionData('releaseBatch', [
                lot(),
                pick(PRODUCTS),
                timestamp(),
                `Released ${date()}T${String(int(24)).padStart(2, '0')}:${String(int(60)).padStart(2, '0')}:00Z by QA, ` +
                  `order ${int(100_000)}, temperature ${2 + int(6)}.${int(10)} °C`,
              ]),
            }
          : {
              to: address(),
              data: BATCH.encodeFunctionData('anchor', [
                hex(32),
                `ipfs://bafybei${hex(24).slice(2)}/${uuid()}.json`,
                `v${int(4)}.${int(20)}.${int(100)}`,
              ]),
            },
    ],
    [
      'multicall',
      5,
      () => ({
        to: address(),
        data: MULTICALL.encodeFunctionData('multicall', [
          [
            ERC20.encodeFunctionData('transfer', [address(), amount()]),
            CONSENT.encodeFunctionData('grantAccess', [address(), hex(32), timestamp()]),
          ],
        ]),
      }),
    ],
    ['payment', 5, () => ({ to: address(), data: '0x' })],
    ['random-calldata', 5, () => ({ to: address(), data: hex(4 + 32 * (1 + int(8))) })],
  ];
  const total = kinds.reduce((sum, [, weight]) => sum + weight, 0);
  const transactions: RealisticTransaction[] = [];
  for (let nonce = 0; nonce < count; nonce++) {
    const [kind, , make] = weighted(kinds, random() * total);
    const { to, data } = make();
    const fields = { nonce, chainId: 1_337_777, to: to ?? null, data, gasLimit: 3_000_000 };
    const unsignedRaw = Transaction.from({
      ...fields,
      type: 2,
      maxFeePerGas: 0,
      maxPriorityFeePerGas: 0,
    }).unsignedSerialized;
    transactions.push({ kind, to, data, unsignedRaw, fields });
  }
  return transactions;
}
