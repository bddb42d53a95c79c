/**
 * The patient pages' API: Sign-In with Ethereum (EIP-4361) with the patient's own key (no CareChain account), a
 * short-lived patient session, the organisations a patient may consent to, and the patient's own view of their
 * consents and of every access to them. A patient proves each pseudonym is theirs by giving, per organisation,
 * the salt and pairwise key it was made from; those are used to recompute it and never kept.
 */
import { z } from '@hono/zod-openapi';
import { NetworkId, Timestamp } from './common.schemas.ts';
import { AccessView, Bytes32, ConsentView, EthereumAddress, Signature } from './consent.schemas.ts';
import { WellFormedText } from './text.schemas.ts';

export const PatientNetwork = z
  .object({
    id: z.string(),
    name: z.string(),
    chainId: z.number().int(),
    blockPeriodSeconds: z.number().int(),
    consentLedgerAddress: z.string(),
    didRegistryAddress: z.string().nullable(),
  })
  .openapi('PatientNetwork');
export const PatientNetworkList = z.object({ items: z.array(PatientNetwork) }).openapi('PatientNetworkList');

export const SiweNonce = z
  .object({
    nonce: z.string().openapi({ description: 'Put it in the EIP-4361 message; it can be used once' }),
    expiresAt: Timestamp,
  })
  .openapi('SiweNonce');

export const CreatePatientSession = z
  .strictObject({
    message: WellFormedText.max(4_096).openapi({
      description:
        'The EIP-4361 message the patient signed: this server’s host as domain, a nonce from /v1/patient/nonces, ' +
        'the chain id of the network',
    }),
    signature: Signature.openapi({ description: 'The EIP-191 signature of the message by the address it names' }),
  })
  .openapi('CreatePatientSession');
export type CreatePatientSession = z.infer<typeof CreatePatientSession>;

export const PatientSessionView = z
  .object({
    token: z.string().openapi({ description: 'Send as "Authorization: Bearer <token>" to the patient routes' }),
    address: z.string(),
    did: z.string().openapi({ example: 'did:ethr:0x1469b1:0x8ba1f109551bD432803012645Ac136ddd64DBA72' }),
    networkId: z.string(),
    chainId: z.number().int(),
    expiresAt: Timestamp,
  })
  .openapi('PatientSession');

export const PatientOrganisations = z
  .object({
    items: z.array(z.object({ name: z.string(), address: z.string() })).openapi({
      description: 'The consortium’s member organisations and the address consents to each are given to',
    }),
  })
  .openapi('PatientOrganisations');

export const PatientIdentity = z.strictObject({
  grantee: EthereumAddress.openapi({ description: 'The organisation’s member address' }),
  salt: Bytes32.openapi({ description: 'The salt of the DID commitment toward this organisation (never kept)' }),
  patientKey: EthereumAddress.openapi({ description: 'The pairwise key toward this organisation' }),
});

export const PatientViewRequest = z
  .strictObject({ identities: z.array(PatientIdentity).min(1).max(20) })
  .openapi('PatientViewRequest');
export type PatientViewRequest = z.infer<typeof PatientViewRequest>;

export const PatientView = z
  .object({
    did: z.string(),
    items: z.array(
      z.object({
        grantee: z.string(),
        granteeName: z.string().nullable(),
        subject: z.string().openapi({ description: 'The pseudonym this organisation knows the patient by' }),
        patientKey: z.string(),
        nonce: z.number().int().openapi({ description: 'The pairwise key’s next nonce, for the next signature' }),
        blocked: z.boolean(),
        consents: z.array(ConsentView),
        accesses: z.array(AccessView).openapi({ description: 'Newest first; emergency accesses flagged' }),
      }),
    ),
  })
  .openapi('PatientView');
export type PatientView = z.infer<typeof PatientView>;

export const PatientNetworkParams = z.object({ networkId: NetworkId });
