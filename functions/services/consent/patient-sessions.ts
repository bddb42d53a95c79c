/**
 * Patients sign in with their own key, by Sign-In with Ethereum (EIP-4361, verified with the `siwe` package): the
 * API hands out a nonce (kept five minutes, usable once), the patient's wallet signs a message naming this
 * server's host, that nonce and the network's chain id, and the API answers with a patient session token. There
 * is no CareChain account and nothing about the patient is stored: the token carries the address and network it
 * was issued for, signed by the platform key (EIP-191, the vault signs), and lives fifteen minutes.
 *
 * `siwe` (which requires the whole of ethers as CommonJS) is loaded at the first nonce or sign-in, not at every cold
 * start of the API.
 */

import { verifyMessage } from 'ethers/hash';
import { getBytes, hexlify } from 'ethers/utils';
import type { SiweMessage } from 'siwe';
import { VaultKeySigner } from '../../../shared/chain/vault-key-signer.ts';
import { didOf } from '../../../shared/domain/did.ts';
import type { Network } from '../../../shared/domain/network.ts';
import { ServiceUnavailableError, UnauthorizedError, ValidationError } from '../../../shared/errors.ts';
import { commonJsExports, lazyOnce } from '../../../shared/lazy-once.ts';
import type { KeyVault } from '../../../shared/ports/key-vault.ts';
import type { CreatePatientSession } from '../../../shared/schemas/patient.schemas.ts';
import type { NetworksRepository } from '../../../shared/store/networks.repository.ts';
import type { PlatformRepository } from '../../../shared/store/platform.repository.ts';
import type { SiweNoncesRepository } from '../../../shared/store/siwe-nonces.repository.ts';
import { PATIENT_TOKEN_PREFIX } from './patient-token.ts';

/** `siwe` at its first use (CommonJS: see `commonJsExports`). */
export const loadSiwe = lazyOnce(async () => commonJsExports(await import('siwe'), 'SiweMessage'));

const NONCE_SECONDS = 5 * 60;
const SESSION_SECONDS = 15 * 60;
/** What the platform key signs is prefixed, so a token signature can never pass for anything else it signs. */
const SIGNED_PREFIX = 'CareChain patient session\n';

export interface PatientSession {
  readonly address: string;
  readonly did: string;
  readonly networkId: string;
  readonly chainId: number;
  /** Unix seconds. */
  readonly expiresAt: number;
}

export interface PatientSessionDeps {
  readonly stores: {
    readonly networks: NetworksRepository;
    readonly platform: PlatformRepository;
    readonly siweNonces: SiweNoncesRepository;
  };
  readonly vault: KeyVault;
  readonly clock: () => Date;
}

export class PatientSessions {
  private platformAddress: Promise<string> | undefined;

  constructor(private readonly deps: PatientSessionDeps) {}

  async issueNonce(): Promise<{ nonce: string; expiresAt: string }> {
    const nonce = (await loadSiwe()).generateNonce();
    const expiresAt = this.nowSeconds() + NONCE_SECONDS;
    await this.deps.stores.siweNonces.create(nonce, expiresAt);
    return { nonce, expiresAt: new Date(expiresAt * 1000).toISOString() };
  }

  /** Verifies the signed EIP-4361 message for `domain` (this server's host) and issues a session token. */
  async signIn(body: CreatePatientSession, domain: string): Promise<{ token: string; session: PatientSession }> {
    const { SiweMessage: Message } = await loadSiwe();
    let message: SiweMessage;
    try {
      message = new Message(body.message);
    } catch (error) {
      throw new ValidationError(
        'The message is not an EIP-4361 (Sign-In with Ethereum) message',
        [{ path: 'body.message', message: 'not an EIP-4361 message' }],
        { cause: error },
      );
    }
    const network = await this.networkOf(message.chainId);
    const verified = await message.verify(
      { signature: body.signature, domain, nonce: message.nonce, time: this.deps.clock().toISOString() },
      { suppressExceptions: true },
    );
    if (!verified.success) {
      throw new UnauthorizedError(
        `The sign-in was not accepted: ${verified.error?.type ?? 'the signature is not valid'}`,
      );
    }
    // Taken only once the signature holds, and only once: a replayed message finds its nonce gone.
    if (!(await this.deps.stores.siweNonces.take(message.nonce, this.nowSeconds()))) {
      throw new UnauthorizedError('The sign-in nonce is unknown, expired or used already; ask for a new one');
    }
    const until = message.expirationTime ? Math.floor(Date.parse(message.expirationTime) / 1000) : Infinity;
    const session: PatientSession = {
      address: message.address,
      did: didOf(network.chainId, message.address),
      networkId: network.id,
      chainId: network.chainId,
      expiresAt: Math.min(this.nowSeconds() + SESSION_SECONDS, until),
    };
    return { token: await this.sign(session), session };
  }

  /** The session a token stands for; 401 when it is not one the platform issued, or has expired. */
  async verify(token: string): Promise<PatientSession> {
    const match = token.match(new RegExp(`^${PATIENT_TOKEN_PREFIX}_([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]+)$`));
    const refused = () => new UnauthorizedError('The patient session has expired or is not valid; sign in again');
    if (!match) throw refused();
    const [, payload = '', signature = ''] = match;
    let signer: string;
    let session: PatientSession;
    try {
      signer = verifyMessage(SIGNED_PREFIX + payload, hexlify(Buffer.from(signature, 'base64url')));
      session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PatientSession;
    } catch (error) {
      throw new UnauthorizedError('The patient session is not valid; sign in again', { cause: error });
    }
    if (signer !== (await this.platform())) throw refused();
    if (!(session.expiresAt > this.nowSeconds())) throw refused();
    return session;
  }

  private async sign(session: PatientSession): Promise<string> {
    const platform = await this.deps.stores.platform.getSigningKey();
    if (!platform) throw new ServiceUnavailableError('The platform key is not set up yet');
    const payload = Buffer.from(JSON.stringify(session), 'utf8').toString('base64url');
    const signature = await new VaultKeySigner(this.deps.vault, platform.keyRef).signMessage(SIGNED_PREFIX + payload);
    return `${PATIENT_TOKEN_PREFIX}_${payload}.${Buffer.from(getBytes(signature)).toString('base64url')}`;
  }

  private platform(): Promise<string> {
    this.platformAddress ??= this.deps.stores.platform.getSigningKey().then((key) => {
      if (!key) {
        this.platformAddress = undefined;
        throw new ServiceUnavailableError('The platform key is not set up yet');
      }
      return key.address;
    });
    return this.platformAddress;
  }

  private async networkOf(chainId: number): Promise<Network & { consentLedgerAddress: string }> {
    const network = (await this.deps.stores.networks.list()).find(
      (n) => n.chainId === chainId && n.status === 'active' && n.consentLedgerAddress,
    );
    if (!network) {
      throw new ValidationError(`No network with chain id ${chainId} has a consent ledger here`, [
        { path: 'body.message', message: 'Chain ID names no network with a consent ledger' },
      ]);
    }
    return network as Network & { consentLedgerAddress: string };
  }

  private nowSeconds(): number {
    return Math.floor(this.deps.clock().getTime() / 1000);
  }
}
