/**
 * The keys the acting party can sign governance transactions with: an organisation's enabled signing keys that
 * are members of the consortium (a key that is not a member would be refused by the contract), or the platform
 * key for operators. Keys that are not members are returned too, to explain how they become one.
 */
import type { Governance, Platform, SigningKey, SigningKeys } from '../../api/api-types.ts';
import { useResource } from '../../api/use-resource.ts';
import type { Acting } from './consortium-scope.tsx';

export interface SignerChoice {
  readonly id: string;
  readonly label: string;
  readonly address: string;
  /** What the API takes to sign with it. */
  readonly body: { readonly keyId: string } | { readonly actAsPlatform: true };
}

export interface Signers {
  readonly loading: boolean;
  readonly choices: readonly SignerChoice[];
  /** The organisation's enabled keys that are not members (yet). */
  readonly otherKeys: readonly SigningKey[];
  /** The organisation has no signing key at all. */
  readonly noKeys: boolean;
}

export function useSigners(acting: Acting, governance: Governance | undefined): Signers {
  const keys = useResource<SigningKeys>(acting.kind === 'organisation' ? `/v1/orgs/${acting.orgId}/keys` : undefined);
  const platform = useResource<Platform>(acting.kind === 'platform' ? '/v1/platform' : undefined);
  const members = new Set((governance?.members ?? []).map((m) => m.address.toLowerCase()));
  if (acting.kind === 'platform') {
    const address = platform.data?.signingAddress;
    return {
      loading: platform.loading,
      choices: address
        ? [{ id: 'platform', label: 'CareChain platform key', address, body: { actAsPlatform: true } }]
        : [],
      otherKeys: [],
      noKeys: false,
    };
  }
  const enabled = (keys.data?.items ?? []).filter((k) => k.state === 'enabled');
  return {
    loading: keys.loading || !governance,
    choices: enabled
      .filter((k) => members.has(k.address.toLowerCase()))
      .map((k) => ({ id: k.id, label: k.alias, address: k.address, body: { keyId: k.id } })),
    otherKeys: enabled.filter((k) => !members.has(k.address.toLowerCase())),
    noKeys: keys.data !== undefined && keys.data.items.length === 0,
  };
}
