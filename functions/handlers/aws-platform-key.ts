/**
 * How AWS mode builds what the platform key does, one function each: the KMS key vault (tenants' keys and the
 * platform key), the platform key's reference and the SLA reporter that signs with it. Used by the SLA handler and
 * by the API's wiring.
 */
import { KmsKeyVault } from '../../shared/adapters/aws/kms-key-vault.ts';
import { VaultKeySigner } from '../../shared/chain/vault-key-signer.ts';
import { AWS_SETTING_VARIABLES, ConfigError } from '../../shared/config/config.ts';
import type { KeyVault } from '../../shared/ports/key-vault.ts';
import { BillingRepository } from '../../shared/store/billing.repository.ts';
import { HealthRepository } from '../../shared/store/health.repository.ts';
import { NetworkHealthRepository } from '../../shared/store/network-health.repository.ts';
import { NodesRepository } from '../../shared/store/nodes.repository.ts';
import { OrganisationsRepository } from '../../shared/store/organisations.repository.ts';
import { PlatformRepository } from '../../shared/store/platform.repository.ts';
import { SlaReporter } from '../jobs/sla-reports.ts';
import { slaTermsFromPlans } from '../services/sla/sla-report.service.ts';
import { type AwsCore, kmsClient } from './aws-core.ts';

/** Tenants' keys and the platform key: KMS. */
export function kmsKeyVault(core: AwsCore): KmsKeyVault {
  return new KmsKeyVault(kmsClient(core));
}

/** The platform key's reference: the stack names it; an installation the control plane bootstrapped records it. */
export async function platformKeyRef(core: AwsCore): Promise<string> {
  const keyRef = core.config.aws.platformKeyId ?? (await new PlatformRepository(core.table).getSigningKey())?.keyRef;
  if (!keyRef) {
    throw new ConfigError([
      { variable: AWS_SETTING_VARIABLES.platformKeyId, message: 'is required: the table records no platform key' },
    ]);
  }
  return keyRef;
}

/** Monthly SLA reports signed with the platform key; plans (service credits) come from the billing account. */
export function slaReporter(
  core: AwsCore,
  parts: { readonly vault: KeyVault; readonly keyRef: string; readonly health?: HealthRepository },
): SlaReporter {
  const { table, clock, logger } = core;
  const billing = new BillingRepository(table);
  return new SlaReporter({
    nodes: new NodesRepository(table, clock),
    organisations: new OrganisationsRepository(table),
    health: parts.health ?? new HealthRepository(table),
    networkHealth: new NetworkHealthRepository(table),
    signer: new VaultKeySigner(parts.vault, parts.keyRef),
    clock,
    logger: logger.child({ component: 'sla' }),
    slaTermsOf: slaTermsFromPlans(async (orgId) => (await billing.get(orgId))?.planId),
  });
}
