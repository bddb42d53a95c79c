/**
 * What the consent services need (relays, checks, the access log, patients' sessions and views, DIDs), passed in
 * by the routes from what the API already has, and the network they act on: one whose consent ledger is deployed.
 */
import type { Network } from '../../../shared/domain/network.ts';
import { InvalidStateError, NotFoundError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/observability/logger.ts';
import type { KeyVault } from '../../../shared/ports/key-vault.ts';
import type { MatchFingerprinter } from '../../../shared/ports/match-fingerprinter.ts';
import type { PersonalDataInspector } from '../../../shared/ports/personal-data-inspector.ts';
import type { DataProtectionRepository } from '../../../shared/store/data-protection.repository.ts';
import type { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { GovernanceStores } from '../governance/governance-deps.ts';
import type { SignatureRecordDeps } from '../signing/signature-record.ts';

export interface ConsentStores extends GovernanceStores {
  /** Member addresses and the organisations behind them, for names. */
  readonly governance: GovernanceRepository;
  /** Networks' personal-data policies, organisations' patterns and exemptions: relays pass the guard. */
  readonly dataProtection: DataProtectionRepository;
}

export interface ConsentDeps extends SignatureRecordDeps {
  readonly stores: ConsentStores;
  readonly vault: KeyVault;
  readonly logger: Logger;
  /** The personal-data inspector and the evidence fingerprint, for the guard every relay passes. */
  readonly dataProtection: { readonly inspector: PersonalDataInspector; readonly fingerprinter: MatchFingerprinter };
  /** How long a sent transaction may take to be mined. @default 30_000 */
  readonly receiptTimeoutMs?: number;
}

/** A network whose consent ledger (and so its governance contract) is deployed. */
export type LedgerNetwork = Network & { readonly governanceAddress: string; readonly consentLedgerAddress: string };

export async function ledgerNetwork(
  stores: Pick<ConsentStores, 'networks'>,
  networkId: string,
): Promise<LedgerNetwork> {
  const network = await stores.networks.get(networkId);
  if (!network) throw new NotFoundError('No such network');
  if (!network.consentLedgerAddress || !network.governanceAddress) {
    throw new InvalidStateError(
      'The network’s consent ledger is not deployed yet: the control plane deploys it after the governance ' +
        'contract, once a node of the network runs',
    );
  }
  return network as LedgerNetwork;
}
