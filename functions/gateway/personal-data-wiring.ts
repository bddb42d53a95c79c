/**
 * The gateway's personal-data guard wired to the table (functions/gateway/personal-data-screen.ts does the work):
 * network policies, the organisation's patterns and exemptions read from it, evidence written to the audit log.
 */
import type { MatchFingerprinter } from '../../shared/ports/match-fingerprinter.ts';
import type { PersonalDataInspector } from '../../shared/ports/personal-data-inspector.ts';
import type { AuditRepository } from '../../shared/store/audit.repository.ts';
import type { DataProtectionRepository } from '../../shared/store/data-protection.repository.ts';
import { recordPersonalData } from '../services/data-protection/personal-data-evidence.ts';
import type { GatewayPersonalData } from './personal-data-screen.ts';

export interface GatewayDataProtection {
  readonly repository: DataProtectionRepository;
  readonly audit: AuditRepository;
  readonly inspector: PersonalDataInspector;
  readonly fingerprinter: MatchFingerprinter;
}

/** Policies, patterns and exemptions from the table; evidence into the audit log. */
export function gatewayPersonalData(parts: GatewayDataProtection, clock: () => Date): GatewayPersonalData {
  const { repository, inspector } = parts;
  const evidence = { stores: { audit: parts.audit }, clock, fingerprinter: parts.fingerprinter };
  return {
    inspector,
    modeOf: async (networkId) => (await repository.getPolicy(networkId)).mode,
    async rulesOf(orgId) {
      const [patterns, exemptions] = await Promise.all([
        repository.getPatterns(orgId),
        repository.listExemptions(orgId),
      ]);
      return { patterns: await inspector.compilePatterns(patterns.patterns), exemptions };
    },
    record: (event) =>
      recordPersonalData(evidence, {
        ...event,
        channel: 'gateway',
        actor: { type: 'api_key', id: event.keyId },
        requestId: undefined,
        subject: 'transaction',
      }),
  };
}
