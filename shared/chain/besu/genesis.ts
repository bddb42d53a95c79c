/**
 * A network's Besu genesis file, derived from the network record alone so that every node, managed or
 * self-hosted, gets byte-identical JSON (a different genesis is a different chain).
 *
 * Choices and where they come from (Besu docs unless noted):
 * - Every fork up to London at block 0, then Shanghai and Cancun at time 0 for QBFT and IBFT 2.0 (Besu runs
 *   time-based forks on BFT chains since 24.1, besu#6353), so contracts compiled for `cancun` run as on anvil.
 *   Clique stops at London: Besu cannot produce Clique blocks once Shanghai is active (besu#8532).
 * - Free gas: `zeroBaseFee: true` ("Configure free gas networks"; London otherwise charges a base fee);
 *   nodes also run with `min-gas-price=0` (besu-config.ts).
 * - QBFT/IBFT 2.0: `difficulty` 0x1, the BFT mixHash, `epochlength` 30000 and `requesttimeoutseconds` twice the
 *   block period, the docs' starting point for tuning the round timeout.
 * - Validators canonical (checksummed, ascending; see validator-set.ts) before they are encoded.
 * - The timestamp is the network's creation time: deterministic, and distinct per network.
 */
import { ZeroAddress, ZeroHash } from 'ethers/constants';
import { toQuantity } from 'ethers/utils';
import type { ConsensusProtocol, Network } from '../../domain/network.ts';
import { ValidationError } from '../../errors.ts';
import { cliqueGenesisExtraData } from './clique-extra-data.ts';
import { ibft2GenesisExtraData } from './ibft2-extra-data.ts';
import { qbftGenesisExtraData } from './qbft-extra-data.ts';
import { canonicalValidators, checksummedAddress } from './validator-set.ts';

/** "Istanbul block identification" mixHash that Besu requires of QBFT and IBFT 2.0 blocks. */
export const BFT_MIX_HASH = '0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365';
export const EPOCH_LENGTH = 30_000;
/** Same block gas limit as anvil's default, so gas estimates behave alike on both runtimes. */
export const DEFAULT_GAS_LIMIT = 30_000_000n;

/** What a genesis depends on; a full Network record fits. */
export type GenesisNetwork = Pick<
  Network,
  'chainId' | 'consensus' | 'blockPeriodSeconds' | 'validators' | 'alloc' | 'createdAt'
>;

export interface GenesisOptions {
  /** Block gas limit. @default 30_000_000 */
  readonly gasLimit?: bigint;
}

export interface BftConsensusConfig {
  readonly blockperiodseconds: number;
  readonly epochlength: number;
  readonly requesttimeoutseconds: number;
}

export interface CliqueConsensusConfig {
  readonly blockperiodseconds: number;
  readonly epochlength: number;
}

export type BlockForks = Readonly<Record<(typeof BLOCK_FORKS)[number], 0>>;

export type BesuGenesisConfig = BlockForks & {
  readonly chainId: number;
  readonly shanghaiTime?: 0;
  readonly cancunTime?: 0;
  readonly zeroBaseFee: true;
  readonly qbft?: BftConsensusConfig;
  readonly ibft2?: BftConsensusConfig;
  readonly clique?: CliqueConsensusConfig;
};

export type GenesisAlloc = Readonly<Record<string, { readonly balance: string }>>;

export interface BesuGenesis {
  readonly config: BesuGenesisConfig;
  readonly nonce: string;
  readonly timestamp: string;
  readonly extraData: string;
  readonly gasLimit: string;
  readonly difficulty: string;
  readonly mixHash: string;
  readonly coinbase: string;
  readonly alloc: GenesisAlloc;
  readonly number: string;
  readonly gasUsed: string;
  readonly parentHash: string;
}

export const BLOCK_FORKS = [
  'homesteadBlock',
  'eip150Block',
  'eip155Block',
  'eip158Block',
  'byzantiumBlock',
  'constantinopleBlock',
  'petersburgBlock',
  'istanbulBlock',
  'berlinBlock',
  'londonBlock',
] as const;

/** The QBFT/IBFT 2.0 round timeout for a block period: twice the period, Besu's documented starting point. */
export function requestTimeoutSeconds(blockPeriodSeconds: number): number {
  return 2 * blockPeriodSeconds;
}

/** @throws ValidationError when the network cannot make a valid genesis (no validators, bad address or balance…) */
export function buildGenesis(network: GenesisNetwork, options: GenesisOptions = {}): BesuGenesis {
  const chainId = checkedChainId(network.chainId);
  const period = network.blockPeriodSeconds;
  if (!Number.isSafeInteger(period) || period < 1) {
    throw new ValidationError('blockPeriodSeconds must be a whole number of seconds, at least 1', [
      { path: 'blockPeriodSeconds', message: 'must be an integer ≥ 1' },
    ]);
  }
  const validators = canonicalValidators(network.validators);
  if (validators.length === 0) {
    throw new ValidationError('A Besu network needs at least one validator in its genesis block', [
      { path: 'validators', message: 'empty' },
    ]);
  }
  const consensus = consensusSection(network.consensus, period, validators);
  return {
    config: {
      chainId,
      ...forksAtGenesis(),
      ...(network.consensus === 'clique' ? {} : { shanghaiTime: 0, cancunTime: 0 }),
      zeroBaseFee: true,
      ...consensus.config,
    },
    nonce: '0x0',
    timestamp: genesisTimestamp(network.createdAt),
    extraData: consensus.extraData,
    gasLimit: checkedGasLimit(options.gasLimit ?? DEFAULT_GAS_LIMIT),
    difficulty: '0x1',
    mixHash: consensus.mixHash,
    coinbase: ZeroAddress,
    alloc: genesisAlloc(network.alloc),
    number: '0x0',
    gasUsed: '0x0',
    parentHash: ZeroHash,
  };
}

/** The genesis file as written to disk: two-space JSON with a final newline. */
export function genesisJson(network: GenesisNetwork, options: GenesisOptions = {}): string {
  return `${JSON.stringify(buildGenesis(network, options), null, 2)}\n`;
}

function consensusSection(
  protocol: ConsensusProtocol,
  period: number,
  validators: readonly string[],
): { config: Pick<BesuGenesisConfig, 'qbft' | 'ibft2' | 'clique'>; extraData: string; mixHash: string } {
  const bft = {
    blockperiodseconds: period,
    epochlength: EPOCH_LENGTH,
    requesttimeoutseconds: requestTimeoutSeconds(period),
  };
  switch (protocol) {
    case 'qbft':
      return { config: { qbft: bft }, extraData: qbftGenesisExtraData(validators), mixHash: BFT_MIX_HASH };
    case 'ibft2':
      return { config: { ibft2: bft }, extraData: ibft2GenesisExtraData(validators), mixHash: BFT_MIX_HASH };
    case 'clique':
      return {
        config: { clique: { blockperiodseconds: period, epochlength: EPOCH_LENGTH } },
        extraData: cliqueGenesisExtraData(validators),
        mixHash: ZeroHash,
      };
    default:
      throw new ValidationError(`Unknown consensus protocol ${String(protocol)}`, [
        { path: 'consensus', message: 'unknown' },
      ]);
  }
}

export function forksAtGenesis(): BlockForks {
  return Object.fromEntries(BLOCK_FORKS.map((fork) => [fork, 0])) as Record<(typeof BLOCK_FORKS)[number], 0>;
}

export function checkedChainId(chainId: number): number {
  if (!Number.isSafeInteger(chainId) || chainId < 1) {
    throw new ValidationError('chainId must be a positive integer', [{ path: 'chainId', message: 'invalid' }]);
  }
  return chainId;
}

export function checkedGasLimit(gasLimit: bigint): string {
  // 5000 is the protocol's floor; 2^63 - 1 is the most a Java long (Besu) holds.
  if (gasLimit < 5000n || gasLimit > 0x7fff_ffff_ffff_ffffn) {
    throw new ValidationError('gasLimit is out of range', [{ path: 'gasLimit', message: 'out of range' }]);
  }
  return toQuantity(gasLimit);
}

export function genesisTimestamp(createdAt: string): string {
  const millis = Date.parse(createdAt);
  if (Number.isNaN(millis) || millis < 0) {
    throw new ValidationError('createdAt must be an ISO 8601 time', [{ path: 'createdAt', message: 'invalid' }]);
  }
  return toQuantity(Math.floor(millis / 1000));
}

/** Pre-funded accounts keyed by checksummed address, balances as hex quantities (Besu and anvil read both). */
export function genesisAlloc(alloc: GenesisNetwork['alloc']): GenesisAlloc {
  const entries: [string, { balance: string }][] = [];
  const seen = new Set<string>();
  for (const [key, account] of Object.entries(alloc)) {
    const address = checksummedAddress(key, `alloc.${key}`);
    if (seen.has(address)) {
      throw new ValidationError(`alloc lists ${address} twice`, [{ path: `alloc.${key}`, message: 'duplicate' }]);
    }
    seen.add(address);
    entries.push([address, { balance: toQuantity(checkedBalance(account.balance, `alloc.${key}.balance`)) }]);
  }
  return Object.fromEntries(entries);
}

function checkedBalance(balance: string, path: string): bigint {
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(balance)) {
    throw new ValidationError(`${path} must be a decimal or 0x-hex number of wei`, [{ path, message: 'invalid' }]);
  }
  const wei = BigInt(balance);
  if (wei >= 2n ** 256n) throw new ValidationError(`${path} exceeds 2^256 - 1`, [{ path, message: 'too large' }]);
  return wei;
}
