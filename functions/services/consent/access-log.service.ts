/**
 * An organisation's access log on the consent ledger: logging an access with one of its member keys (the ledger
 * refuses one no consent permits, unless it is an emergency access, which is always logged as such), and reading
 * back the accesses its keys logged, newest first, with counts by purpose. The list reads only the blocks the
 * ledger's index names for the organisation's keys, a page of blocks at a time.
 */
import {
  type AccessRecord,
  parseAccessLog,
  readAccessBlocks,
  readAccessCounts,
  readAccesses,
} from '../../../shared/chain/contracts/consent-access-log.ts';
import { consentLedgerInterface } from '../../../shared/chain/contracts/consent-ledger.ts';
import { codeWord } from '../../../shared/domain/consent.ts';
import { PURPOSES_OF_USE } from '../../../shared/domain/consent-codes.ts';
import { InvalidStateError, NotFoundError, PlatformError } from '../../../shared/errors.ts';
import type { AccessList, LogAccess } from '../../../shared/schemas/consent.schemas.ts';
import { appendAudit, type ChangeAuthor } from '../audit/audit-trail.ts';
import { endpointFor } from '../governance/governance-acting.ts';
import { chainFailure, sendContractCall } from '../governance/governance-chain.ts';
import { recordSignature } from '../signing/signature-record.ts';
import type { ConsentChecks } from './consent-checks.ts';
import type { ConsentDeps, LedgerNetwork } from './consent-deps.ts';
import { consentRefusal } from './consent-refusal.ts';
import { memberNames, toAccessView } from './consent-views.ts';

/** How many of a key's newest access blocks one page looks at. */
const INDEX_TAIL = 1_000;
/** Keys of one organisation whose accesses are read. */
const MAX_KEYS = 50;

export class AccessLogService {
  constructor(
    private readonly deps: ConsentDeps,
    private readonly checks: ConsentChecks,
  ) {}

  async log(author: ChangeAuthor, orgId: string, network: LedgerNetwork, body: LogAccess) {
    const key = await this.deps.stores.signingKeys.get(orgId, body.keyId);
    if (!key) throw new NotFoundError('No such signing key');
    if (key.state !== 'enabled') throw new InvalidStateError(`The signing key is ${key.state} and cannot sign`);
    const endpoint = await endpointFor(this.deps.stores, network, orgId);
    const target = { address: network.consentLedgerAddress, iface: consentLedgerInterface, refusal: consentRefusal };
    const sent = await sendContractCall(
      endpoint,
      { vault: this.deps.vault, keyRef: key.keyRef, address: key.address },
      target,
      'logAccess',
      [body.subject, codeWord(body.purpose), codeWord(body.resourceType), body.emergency],
      { receiptTimeoutMs: this.deps.receiptTimeoutMs },
    );
    this.checks.observe(network.id, sent.receipt.blockNumber);
    await recordSignature(this.deps, author, {
      orgId,
      keyId: key.id,
      address: key.address,
      purpose: 'transaction',
      digest: sent.hash,
      details: { nodeId: endpoint.nodeId, nonce: sent.nonce, consentLedger: 'logAccess' },
    });
    await appendAudit(this.deps, author.requestId, {
      orgId,
      actor: author.actor,
      action: body.emergency ? 'consent.emergency-access-logged' : 'consent.access-logged',
      target: network.id,
      details: {
        networkId: network.id,
        transactionHash: sent.hash,
        purpose: body.purpose,
        resourceType: body.resourceType,
      },
    });
    const access = sent.receipt.logs
      .filter((log) => log.address.toLowerCase() === network.consentLedgerAddress.toLowerCase())
      .map((log) => parseAccessLog(log))
      .find((parsed): parsed is AccessRecord => parsed !== undefined);
    if (!access) throw new PlatformError(`The logAccess transaction ${sent.hash} emitted no AccessLogged event`);
    const nameOf = await memberNames(this.deps.stores, network.id);
    return { transactionHash: sent.hash, blockNumber: sent.receipt.blockNumber, access: toAccessView(access, nameOf) };
  }

  async list(
    orgId: string,
    network: LedgerNetwork,
    page: { readonly before?: number; readonly limit: number },
  ): Promise<AccessList> {
    const keys = (await this.deps.stores.signingKeys.list(orgId)).slice(0, MAX_KEYS);
    const grantees = [...new Set(keys.map((key) => key.address))];
    const reader = await this.checks.reader(network.id);
    try {
      const indexes = await Promise.all(
        grantees.map(async (grantee) => {
          const { total } = await readAccessBlocks(reader.ledger, { grantee }, 0, 0);
          const start = Math.max(0, total - INDEX_TAIL);
          const tail = await readAccessBlocks(reader.ledger, { grantee }, start, INDEX_TAIL);
          return { blocks: tail.blocks, olderUnread: start > 0 };
        }),
      );
      const before = page.before ?? Number.MAX_SAFE_INTEGER;
      const blocks = [...new Set(indexes.flatMap((index) => index.blocks))]
        .filter((block) => block < before)
        .sort((a, b) => b - a);
      const chosen = blocks.slice(0, page.limit);
      const more = blocks.length > page.limit || indexes.some((index) => index.olderUnread);
      const [accesses, counts, nameOf] = await Promise.all([
        grantees.length ? readAccesses(reader.provider, network.consentLedgerAddress, { grantees }, chosen) : [],
        Promise.all(grantees.map((grantee) => readAccessCounts(reader.ledger, grantee))),
        memberNames(this.deps.stores, network.id),
      ]);
      const byPurpose = Object.fromEntries(
        PURPOSES_OF_USE.map((purpose) => [purpose, counts.reduce((sum, c) => sum + c.byPurpose[purpose], 0)]),
      );
      return {
        items: accesses.reverse().map((access) => toAccessView(access, nameOf)),
        grantees,
        counts: {
          byPurpose,
          emergency: counts.reduce((sum, c) => sum + c.emergency, 0),
          total: Object.values(byPurpose).reduce((sum, n) => sum + n, 0),
        },
        nextBefore: more && chosen.length > 0 ? (chosen.at(-1) as number) : null,
      };
    } catch (error) {
      throw chainFailure(error, 'access log read', consentRefusal);
    }
  }
}
