/**
 * Relaying what a patient signed (give, withdraw or block a consent) to the network's consent ledger. Every
 * signature is verified here before anything is signed or sent: it must be the EIP-712 signature of the one key
 * the pseudonym commits to, with that key's next nonce, before its deadline. A forged, replayed or expired
 * signature is refused with a 4xx and nothing is sent. The relaying organisation's member key (or, for a patient
 * using the patient pages, the platform's) signs the outer transaction; the network is free-gas, so the patient
 * needs no account, no gas and no node.
 *
 * A member's relay is recorded like any signature of its key (audited and metered); every relay is audited in
 * the relaying organisation's log by consent id and transaction, never by anything that names the patient.
 *
 * What the patient signed then passes the personal-data guard (channel `consent-relay`) before it is sent: the
 * typed data is read by its types, so its `bytes32` members (hashes, codes, pseudonyms), which a patient's app or a
 * member fills and which could hold a short text, are read by the bytes they hold, while nonces, deadlines, Unix
 * times, chain ids and addresses are never read as text. Under `block` personal data is refused (422) and nothing
 * is sent; under `flag` it is relayed and recorded as evidence of the relaying organisation (the platform's for
 * a patient's own relay).
 */
import type { BaseContract } from 'ethers';
import { ZeroAddress } from 'ethers/constants';
import { verifyTypedData } from 'ethers/hash';
import { consentLedgerInterface, readConsent } from '../../../shared/chain/contracts/consent-ledger.ts';
import { type ConsentAction, consentDomain, consentTypesOf, termsWords } from '../../../shared/domain/consent.ts';
import type { ActorType } from '../../../shared/domain/organisation.ts';
import { subjectOf } from '../../../shared/domain/patient-identity.ts';
import { PLATFORM_ORG_ID } from '../../../shared/domain/platform.ts';
import { ServiceUnavailableError } from '../../../shared/errors.ts';
import type { SignedBlock, SignedConsent, SignedWithdrawal } from '../../../shared/schemas/consent.schemas.ts';
import type { Actor } from '../access/org-access.ts';
import { guardPersonalData } from '../data-protection/personal-data-guard.ts';
import type { ChainEndpoint } from '../governance/chain-endpoints.ts';
import { type Acting, anyEndpoint } from '../governance/governance-acting.ts';
import { chainFailure, type SentCall, sendContractCall, type VaultAccount } from '../governance/governance-chain.ts';
import { recordSignature } from '../signing/signature-record.ts';
import type { ConsentChecks } from './consent-checks.ts';
import type { ConsentDeps, LedgerNetwork } from './consent-deps.ts';
import {
  ConsentRefusedError,
  consentRefusal,
  expiredSignature,
  forgedSignature,
  replayedSignature,
} from './consent-refusal.ts';
import { memberNames, toConsentView } from './consent-views.ts';

/** Who relays: an organisation's member key, or the platform for a patient. */
export interface Relayer {
  readonly orgId: string;
  /** The member's signing key; undefined when the platform relays. */
  readonly keyId: string | undefined;
  readonly actor: { readonly type: ActorType; readonly id: string };
  readonly requestId: string | undefined;
  readonly account: VaultAccount;
  readonly endpoint: ChainEndpoint;
}

export function memberRelayer(acting: Acting): Relayer {
  return {
    orgId: acting.orgId,
    keyId: acting.keyId,
    actor: acting.author.actor,
    requestId: acting.author.requestId,
    account: acting.account,
    endpoint: acting.endpoint,
  };
}

/** The platform key (the consortium's founding member) relays for patients, who have no account. */
export async function platformRelayer(
  deps: ConsentDeps,
  network: LedgerNetwork,
  requestId: string | undefined,
): Promise<Relayer> {
  const platform = await deps.stores.platform.getSigningKey();
  if (!platform) throw new ServiceUnavailableError('The platform key is not set up yet');
  return {
    orgId: PLATFORM_ORG_ID,
    keyId: undefined,
    actor: { type: 'system', id: 'patient-relay' },
    requestId,
    account: { vault: deps.vault, keyRef: platform.keyRef, address: platform.address },
    endpoint: await anyEndpoint(deps.stores, network),
  };
}

/** What evidence names as the key when the platform relays for a patient. */
const PLATFORM_KEY_ID = 'platform';

interface Verified {
  readonly method: 'giveConsent' | 'withdrawConsent' | 'setBlock';
  readonly args: unknown[];
  readonly action: 'give' | 'withdraw' | 'block';
}

export class ConsentRelay {
  constructor(
    private readonly deps: ConsentDeps,
    private readonly checks: ConsentChecks,
  ) {}

  async give(relayer: Relayer, network: LedgerNetwork, signed: SignedConsent) {
    const ledger = (await this.checks.reader(network.id)).ledger;
    const words = termsWords(signed.terms);
    if (subjectOf(words.patientKey, words.didCommitment).toLowerCase() !== words.subject.toLowerCase()) {
      throw new ConsentRefusedError(
        400,
        'consent-refused',
        'InvalidTerms',
        'The subject is not the pseudonym of this patient key and DID commitment: ' +
          'keccak256(abi.encode(patientKey, didCommitment))',
        [{ path: 'body.terms.subject', message: 'does not commit to terms.patientKey and terms.didCommitment' }],
      );
    }
    const controller = (await call(ledger, 'controllerOf', words.subject)) as string;
    const expected = controller === ZeroAddress ? words.patientKey : controller;
    await this.verify(
      relayer,
      network,
      ledger,
      'GiveConsent',
      { ...words, nonce: signed.nonce, deadline: signed.deadline },
      {
        signature: signed.signature,
        signer: expected,
        nonce: signed.nonce,
        deadline: signed.deadline,
      },
    );
    const sent = await this.send(relayer, network, {
      method: 'giveConsent',
      args: [words, signed.nonce, signed.deadline, signed.signature],
      action: 'give',
    });
    const given = sent.receipt.logs.map((log) => safeParse(log)).find((parsed) => parsed?.name === 'ConsentGiven');
    const consentId = given?.args.id as string;
    return this.answer(relayer, network, ledger, sent, consentId, 'give');
  }

  async withdraw(relayer: Relayer, network: LedgerNetwork, consentId: string, signed: SignedWithdrawal) {
    const ledger = (await this.checks.reader(network.id)).ledger;
    const record = await readConsent(ledger, consentId).catch((error: unknown) => {
      throw chainFailure(error, 'consent ledger read', consentRefusal);
    });
    await this.verify(
      relayer,
      network,
      ledger,
      'WithdrawConsent',
      { consentId, nonce: signed.nonce, deadline: signed.deadline },
      {
        signature: signed.signature,
        signer: record.controller,
        nonce: signed.nonce,
        deadline: signed.deadline,
      },
    );
    const sent = await this.send(relayer, network, {
      method: 'withdrawConsent',
      args: [consentId, signed.nonce, signed.deadline, signed.signature],
      action: 'withdraw',
    });
    return this.answer(relayer, network, ledger, sent, consentId, 'withdraw');
  }

  async setBlock(relayer: Relayer, network: LedgerNetwork, signed: SignedBlock) {
    const ledger = (await this.checks.reader(network.id)).ledger;
    const controller = (await call(ledger, 'controllerOf', signed.subject)) as string;
    if (controller === ZeroAddress) {
      throw new ConsentRefusedError(
        404,
        'consent-refused',
        'UnknownSubject',
        'No consent was ever given under this pseudonym, so there is nothing to block yet',
        [{ path: 'body.subject', message: 'unknown pseudonym' }],
      );
    }
    const message = {
      subject: signed.subject,
      grantee: signed.grantee,
      blocked: signed.blocked,
      nonce: signed.nonce,
      deadline: signed.deadline,
    };
    await this.verify(relayer, network, ledger, 'SetBlock', message, {
      signature: signed.signature,
      signer: controller,
      nonce: signed.nonce,
      deadline: signed.deadline,
    });
    const sent = await this.send(relayer, network, {
      method: 'setBlock',
      args: [signed.subject, signed.grantee, signed.blocked, signed.nonce, signed.deadline, signed.signature],
      action: 'block',
    });
    await this.audit(relayer, 'consent.relayed', network, { action: 'block', transactionHash: sent.hash });
    return {
      transactionHash: sent.hash,
      blockNumber: sent.receipt.blockNumber,
      relayedBy: relayer.account.address,
      subject: signed.subject,
      grantee: signed.grantee,
      blocked: signed.blocked,
    };
  }

  /**
   * Forged, replayed or expired: refused here, before anything is signed or sent; then what was signed passes the
   * personal-data guard.
   */
  private async verify(
    relayer: Relayer,
    network: LedgerNetwork,
    ledger: BaseContract,
    action: ConsentAction,
    message: Record<string, unknown>,
    expected: { signature: string; signer: string; nonce: number; deadline: number },
  ): Promise<void> {
    let signer: string;
    try {
      signer = verifyTypedData(
        consentDomain(network.chainId, network.consentLedgerAddress),
        consentTypesOf(action),
        message,
        expected.signature,
      );
    } catch (error) {
      throw forgedSignature(`The signature cannot be read as a ${action} signature: ${(error as Error).message}`);
    }
    if (signer.toLowerCase() !== expected.signer.toLowerCase()) {
      throw forgedSignature(
        `The signature is not by ${expected.signer}, the only key that acts under this pseudonym (it recovers to ${signer})`,
      );
    }
    const [nonce, latest] = await Promise.all([
      call(ledger, 'nonces', expected.signer) as Promise<bigint>,
      ledger.runner?.provider?.getBlock('latest'),
    ]);
    if (BigInt(expected.nonce) !== nonce) throw replayedSignature(expected.nonce, Number(nonce));
    const chainTime = latest?.timestamp ?? Math.floor(this.deps.clock().getTime() / 1000);
    if (expected.deadline <= chainTime) throw expiredSignature(expected.deadline, chainTime);
    await this.guard(relayer, network, action, message);
  }

  /** Refuses (422) what the network's policy blocks, records what it flags; exemptions name the consent ledger. */
  private async guard(
    relayer: Relayer,
    network: LedgerNetwork,
    action: ConsentAction,
    message: Record<string, unknown>,
  ): Promise<void> {
    await guardPersonalData(
      { ...this.deps, ...this.deps.dataProtection },
      {
        orgId: relayer.orgId,
        channel: 'consent-relay',
        author: { actor: relayer.actor as Actor, requestId: relayer.requestId },
        keyId: relayer.keyId ?? PLATFORM_KEY_ID,
        networkId: network.id,
        nodeId: relayer.endpoint.nodeId,
        contract: network.consentLedgerAddress,
        content: {
          kind: 'typed-data',
          domain: { ...consentDomain(network.chainId, network.consentLedgerAddress) },
          message,
          types: consentTypesOf(action),
          primaryType: action,
        },
      },
    );
  }

  private async send(relayer: Relayer, network: LedgerNetwork, call: Verified): Promise<SentCall> {
    const target = { address: network.consentLedgerAddress, iface: consentLedgerInterface, refusal: consentRefusal };
    let sent: SentCall;
    try {
      sent = await sendContractCall(relayer.endpoint, relayer.account, target, call.method, call.args, {
        receiptTimeoutMs: this.deps.receiptTimeoutMs,
      });
    } catch (error) {
      if (error instanceof ConsentRefusedError)
        await this.audit(relayer, 'consent.relay-refused', network, {
          action: call.action,
          rule: error.rule,
          reason: error.message,
        });
      throw error;
    }
    this.checks.observe(network.id, sent.receipt.blockNumber);
    if (relayer.keyId) {
      this.deps.usage?.record(relayer.orgId, 'api_requests', 1);
      await recordSignature(
        this.deps,
        { actor: relayer.actor as Actor, requestId: relayer.requestId },
        {
          orgId: relayer.orgId,
          keyId: relayer.keyId,
          address: relayer.account.address,
          purpose: 'transaction',
          digest: sent.hash,
          details: { nodeId: relayer.endpoint.nodeId, nonce: sent.nonce, consentLedger: call.method },
        },
      );
    }
    return sent;
  }

  private async answer(
    relayer: Relayer,
    network: LedgerNetwork,
    ledger: BaseContract,
    sent: SentCall,
    consentId: string,
    action: 'give' | 'withdraw',
  ) {
    const [record, nameOf] = await Promise.all([
      readConsent(ledger, consentId, sent.receipt.blockNumber),
      memberNames(this.deps.stores, network.id),
    ]);
    await this.audit(relayer, 'consent.relayed', network, {
      action,
      consentId,
      transactionHash: sent.hash,
    });
    return {
      transactionHash: sent.hash,
      blockNumber: sent.receipt.blockNumber,
      relayedBy: relayer.account.address,
      consent: toConsentView(record, nameOf),
    };
  }

  private async audit(relayer: Relayer, action: string, network: LedgerNetwork, details: Record<string, unknown>) {
    await this.deps.stores.audit.append({
      orgId: relayer.orgId,
      at: this.deps.clock().toISOString(),
      actor: relayer.actor,
      action,
      target: network.id,
      requestId: relayer.requestId,
      details: { networkId: network.id, relayedBy: relayer.account.address, ...details },
    });
  }
}

async function call(ledger: BaseContract, method: string, ...args: unknown[]): Promise<unknown> {
  try {
    return await ledger.getFunction(method)(...args);
  } catch (error) {
    throw chainFailure(error, 'consent ledger read', consentRefusal);
  }
}

function safeParse(log: { topics: readonly string[]; data: string }) {
  try {
    return consentLedgerInterface.parseLog(log);
  } catch {
    return null; // another contract's event in the same receipt
  }
}
