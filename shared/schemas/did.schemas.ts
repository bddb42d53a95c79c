/**
 * Organisations' DIDs as the API shows and changes them: every signing key is a did:ethr identifier
 * (`did:ethr:<chain id in hex>:<address>`) on each network, resolved against the network's ERC-1056 registry; its
 * owner key adds delegates and sets attributes (a FHIR service endpoint, `did/svc/FhirEndpoint`).
 */
import { z } from '@hono/zod-openapi';
import { DELEGATE_TYPES, DID_ATTRIBUTE_NAME_PATTERN } from '../domain/did.ts';
import { EthereumAddress } from './consent.schemas.ts';
import { WellFormedText } from './text.schemas.ts';

const ValiditySeconds = z
  .number()
  .int()
  .min(60)
  .max(10 * 365 * 86_400)
  .default(365 * 86_400)
  .openapi({ description: 'How long it holds, in seconds (default one year)' });

export const AddDidDelegate = z
  .strictObject({
    delegateType: z.enum(DELEGATE_TYPES).openapi({
      description: 'veriKey: signs on the DID’s behalf; sigAuth: also authenticates as it',
    }),
    delegate: EthereumAddress,
    validitySeconds: ValiditySeconds,
  })
  .openapi('AddDidDelegate');
export type AddDidDelegate = z.infer<typeof AddDidDelegate>;

export const SetDidAttribute = z
  .strictObject({
    name: z
      .string()
      .regex(DID_ATTRIBUTE_NAME_PATTERN, 'A did:ethr attribute name: did/svc/<Type> or did/pub/<alg>/<purpose>/<enc>')
      .refine((name) => new TextEncoder().encode(name).length <= 31, 'At most 31 bytes')
      .openapi({ example: 'did/svc/FhirEndpoint' }),
    value: WellFormedText.min(1).max(512).openapi({
      description: 'A service endpoint (a URL, or JSON), or for did/pub/…/hex a public key in 0x-hex',
      example: 'https://fhir.region-uppsala.example/fhir',
    }),
    validitySeconds: ValiditySeconds,
  })
  .openapi('SetDidAttribute');
export type SetDidAttribute = z.infer<typeof SetDidAttribute>;

export const DidView = z
  .object({
    did: z.string().openapi({ example: 'did:ethr:0x1469b1:0x8ba1f109551bD432803012645Ac136ddd64DBA72' }),
    address: z.string(),
    keyId: z.string(),
    registryAddress: z.string(),
    document: z.record(z.string(), z.unknown()).openapi({
      description: 'The DID document as ethr-did-resolver resolves it from the registry (W3C DID Core)',
    }),
  })
  .openapi('Did');

export const DidChange = z
  .object({ transactionHash: z.string(), blockNumber: z.number().int(), did: DidView })
  .openapi('DidChange');
