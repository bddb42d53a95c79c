/**
 * Consent checks, what a member's FHIR server asks before it releases records: permit or deny, the record that
 * decides, and the block the answer was read at. Answers are cached per (ledger, block, question), so repeated
 * checks do not reach the node; they are never stale by more than one block, because the head block number is
 * read again (with a cheap `eth_blockNumber`, one read shared by concurrent checks) as soon as a block period has
 * passed since it was last read, and no more than one block can be sealed in one period. A transaction this API
 * relayed moves the head at once, so a withdrawal it relayed denies from its own block on.
 *
 * Reads go to a node the platform runs, through a provider kept open between requests; the network's record and
 * that node are looked up again every few seconds.
 */
import type { Contract, JsonRpcProvider } from 'ethers';
import { LRUCache } from 'lru-cache';
import { loadChainClients } from '../../../shared/chain/chain-clients.ts';
import type { ConsentRecord } from '../../../shared/chain/contracts/consent-ledger.ts';
import { checkConsent, connectConsentLedger, readConsent } from '../../../shared/chain/contracts/consent-ledger.ts';
import type { PurposeOfUse } from '../../../shared/domain/consent-codes.ts';
import type { ChainEndpoint } from '../governance/chain-endpoints.ts';
import { anyEndpoint } from '../governance/governance-acting.ts';
import { chainFailure } from '../governance/governance-chain.ts';
import { type ConsentStores, type LedgerNetwork, ledgerNetwork } from './consent-deps.ts';
import { consentRefusal } from './consent-refusal.ts';

export interface ConsentQuestion {
  readonly subject: string;
  readonly grantee: string;
  readonly purpose: PurposeOfUse;
  readonly resourceType: string;
}

export interface ConsentAnswer {
  readonly decision: 'permit' | 'deny';
  readonly consent: ConsentRecord | undefined;
  readonly blocked: boolean;
  readonly blockNumber: number;
  readonly cached: boolean;
}

/** A network's ledger as checks read it: the record, a node to read through and the contract on it. */
export interface LedgerReader {
  readonly network: LedgerNetwork;
  readonly endpoint: ChainEndpoint;
  readonly provider: JsonRpcProvider;
  readonly ledger: Contract;
}

/** How long a network's record and its node are trusted before they are looked up again. */
const LOOKUP_TTL_MS = 5_000;

/** Providers on nodes the platform runs, one per URL, kept open between requests. */
export class ReadProviders {
  private readonly providers = new Map<string, JsonRpcProvider>();

  async provider(endpoint: ChainEndpoint): Promise<JsonRpcProvider> {
    // Loaded before the map is read: requests that waited for the classes together still open one provider.
    const { JsonRpcProvider } = await loadChainClients();
    let provider = this.providers.get(endpoint.rpcUrl);
    if (!provider) {
      provider = new JsonRpcProvider(endpoint.rpcUrl, endpoint.chainId, { staticNetwork: true, cacheTimeout: -1 });
      this.providers.set(endpoint.rpcUrl, provider);
    }
    return provider;
  }

  close(): void {
    for (const provider of this.providers.values()) provider.destroy();
    this.providers.clear();
  }
}

interface Head {
  readonly number: number;
  /** When the read that found it started (ms). */
  readonly readAt: number;
}

export class ConsentChecks {
  private readonly heads = new Map<string, Head>();
  private readonly headReads = new Map<string, Promise<number>>();
  private readonly readers: LRUCache<string, LedgerReader>;
  private readonly answers: LRUCache<string, Promise<Omit<ConsentAnswer, 'cached'>>>;

  constructor(
    private readonly deps: {
      readonly stores: Pick<ConsentStores, 'networks' | 'nodes'>;
      readonly providers: ReadProviders;
      /** Milliseconds now. @default Date.now */
      readonly now?: () => number;
      /** Answers kept. @default 50_000 */
      readonly maxAnswers?: number;
    },
  ) {
    this.readers = new LRUCache<string, LedgerReader>({
      max: 1_000,
      ttl: LOOKUP_TTL_MS,
      fetchMethod: (networkId) => this.loadReader(networkId),
    });
    this.answers = new LRUCache({ max: deps.maxAnswers ?? 50_000 });
  }

  /** The ledger of a network, read through a node the platform runs. */
  async reader(networkId: string): Promise<LedgerReader> {
    return (await this.readers.fetch(networkId)) as LedgerReader;
  }

  async check(networkId: string, question: ConsentQuestion): Promise<ConsentAnswer> {
    const reader = await this.reader(networkId);
    const blockNumber = await this.head(reader);
    const key = [
      reader.network.consentLedgerAddress,
      blockNumber,
      question.subject,
      question.grantee,
      question.purpose,
      question.resourceType,
    ]
      .join('|')
      .toLowerCase();
    const known = this.answers.get(key);
    if (known) return { ...(await known), cached: true };
    const answer = this.read(reader, question, blockNumber);
    this.answers.set(key, answer);
    try {
      return { ...(await answer), cached: false };
    } catch (error) {
      this.answers.delete(key);
      throw error;
    }
  }

  /** A block this API saw mined (a relayed withdrawal, a logged access): checks answer from it on at once. */
  observe(networkId: string, blockNumber: number): void {
    const known = this.heads.get(networkId);
    if (!known || blockNumber > known.number) {
      this.heads.set(networkId, { number: blockNumber, readAt: this.now() });
    }
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private async loadReader(networkId: string): Promise<LedgerReader> {
    const network = await ledgerNetwork(this.deps.stores, networkId);
    const endpoint = await anyEndpoint(this.deps.stores, network);
    const provider = await this.deps.providers.provider(endpoint);
    return { network, endpoint, provider, ledger: await connectConsentLedger(network.consentLedgerAddress, provider) };
  }

  /** The head block number, read again once a block period has passed since the last read began. */
  private async head(reader: LedgerReader): Promise<number> {
    const networkId = reader.network.id;
    const known = this.heads.get(networkId);
    const started = this.now();
    if (known && started - known.readAt < reader.network.blockPeriodSeconds * 1000) return known.number;
    let reading = this.headReads.get(networkId);
    if (!reading) {
      reading = reader.provider
        .getBlockNumber()
        .then((number) => {
          const latest = this.heads.get(networkId);
          if (!latest || number >= latest.number) this.heads.set(networkId, { number, readAt: started });
          return Math.max(number, latest?.number ?? 0);
        })
        .finally(() => this.headReads.delete(networkId));
      this.headReads.set(networkId, reading);
    }
    try {
      return await reading;
    } catch (error) {
      throw chainFailure(error, 'consent check', consentRefusal);
    }
  }

  private async read(
    reader: LedgerReader,
    question: ConsentQuestion,
    blockNumber: number,
  ): Promise<Omit<ConsentAnswer, 'cached'>> {
    try {
      const [decided, blockedSince] = await Promise.all([
        checkConsent(reader.ledger, question, blockNumber),
        reader.ledger.getFunction('blockedSince')(question.subject, question.grantee, {
          blockTag: blockNumber,
        }) as Promise<bigint>,
      ]);
      const consent = decided.consentId ? await readConsent(reader.ledger, decided.consentId, blockNumber) : undefined;
      return { decision: decided.decision, consent, blocked: blockedSince !== 0n, blockNumber };
    } catch (error) {
      throw chainFailure(error, 'consent check', consentRefusal);
    }
  }
}
