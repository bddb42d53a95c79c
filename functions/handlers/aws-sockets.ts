/**
 * What the AWS gateway's WebSocket functions are built from (gateway-sockets.ts for API Gateway's routes,
 * socket-follower.ts for the scheduled follower): the gateway core over the table's keys, tickets, nodes and plans,
 * a second core that admits connections from their records, the connection records, the usage meter, and pushes
 * to connections through API Gateway's management API (aws-socket-parts.ts), here with undici's pools and the
 * personal-data guard: transactions sent over a WebSocket are inspected as over HTTP. The follower builds the same
 * parts with Node's fetch and without the guard (it sends no transactions). Like the HTTP gateway's wiring
 * (gateway.ts), it carries no Stripe: an organisation without a plan gets the gateway's default limits.
 */
import { AuditRepository } from '../../shared/store/audit.repository.ts';
import { DataProtectionRepository } from '../../shared/store/data-protection.repository.ts';
import { UPSTREAM_TIMEOUT_MS } from '../gateway/rpc-transport.ts';
import { RpcUpstream } from '../gateway/upstream.ts';
import type { AwsCore } from './aws-core.ts';
import { evidenceFingerprinter, personalDataInspector } from './aws-evidence.ts';
import { socketParts } from './aws-socket-parts.ts';

/** The WebSocket API's functions' parts, with undici's pools to the nodes and the personal-data guard. */
export function awsSocketParts(core: AwsCore, managementEndpoint: string) {
  return socketParts(core, managementEndpoint, {
    upstream: new RpcUpstream({ timeoutMs: UPSTREAM_TIMEOUT_MS }),
    dataProtection: {
      repository: new DataProtectionRepository(core.table),
      audit: new AuditRepository(core.table),
      inspector: personalDataInspector(),
      fingerprinter: evidenceFingerprinter(core),
    },
  });
}
