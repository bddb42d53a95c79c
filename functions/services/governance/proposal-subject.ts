/**
 * What a proposal is about, from what a member names in the request: the address the contract gets (a member's
 * signing-key address, a validator address), and what only the control plane knows beside it (the organisation,
 * the node behind a validator). Names that do not fit together are the caller's mistake, with the field named.
 *
 * On the anvil runtime nodes have no validator address of their own (no node key, one shared chain process), so a
 * validator change for a node names the address to use: a signing key of the node's organisation (`memberKeyId`)
 * or an explicit `address`. On Besu the node's own validator address is used.
 */
import { getAddress } from 'ethers/address';
import type { Network } from '../../../shared/domain/network.ts';
import { ValidationError } from '../../../shared/errors.ts';
import type { CreateProposal } from '../../../shared/schemas/governance.schemas.ts';
import type { GovernanceRepository } from '../../../shared/store/governance.repository.ts';
import type { NodesRepository } from '../../../shared/store/nodes.repository.ts';
import type { OrganisationsRepository } from '../../../shared/store/organisations.repository.ts';
import type { SigningKeysRepository } from '../../../shared/store/signing-keys.repository.ts';

export interface ProposalSubject {
  readonly address: string;
  readonly orgId: string | undefined;
  readonly nodeId: string | undefined;
}

export interface SubjectStores {
  readonly organisations: OrganisationsRepository;
  readonly signingKeys: SigningKeysRepository;
  readonly nodes: NodesRepository;
  readonly governance: GovernanceRepository;
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function invalid(message: string, path: string, fieldMessage: string): ValidationError {
  return new ValidationError(message, [{ path: `body.${path}`, message: fieldMessage }]);
}

/** The contract's current members, read when a removal names an organisation rather than an address. */
export type ChainMembers = () => Promise<readonly { readonly address: string; readonly orgId: string | undefined }[]>;

export async function resolveSubject(
  stores: SubjectStores,
  network: Network,
  body: CreateProposal,
  chainMembers: ChainMembers,
): Promise<ProposalSubject> {
  switch (body.kind) {
    case 'admit-member':
      return admitted(stores, body);
    case 'remove-member':
      return removedMember(body, chainMembers);
    default:
      return validator(stores, network, body);
  }
}

async function admitted(stores: SubjectStores, body: CreateProposal): Promise<ProposalSubject> {
  if (!body.orgId) throw invalid('Name the organisation to admit', 'orgId', 'required for admit-member');
  if (!(await stores.organisations.get(body.orgId))) {
    throw invalid('There is no such organisation', 'orgId', 'unknown organisation');
  }
  const address = await keyAddress(stores, body.orgId, body.memberKeyId, body.address);
  if (!address) {
    throw invalid(
      'Name the key that becomes the member: memberKeyId (a signing key of the organisation) or address',
      'memberKeyId',
      'required for admit-member unless address is given',
    );
  }
  return { address, orgId: body.orgId, nodeId: undefined };
}

async function removedMember(body: CreateProposal, chainMembers: ChainMembers): Promise<ProposalSubject> {
  if (body.address) return { address: getAddress(body.address), orgId: body.orgId, nodeId: undefined };
  if (!body.orgId) {
    throw invalid('Name the member to remove: orgId or address', 'orgId', 'required for remove-member');
  }
  const members = (await chainMembers()).filter((m) => m.orgId === body.orgId);
  const [only, ...others] = members;
  if (!only) {
    throw invalid('That organisation holds no member address on this network', 'orgId', 'not a member here');
  }
  if (others.length > 0) {
    throw invalid(
      `That organisation holds ${members.length} member addresses here; name one with address`,
      'address',
      `one of ${members.map((m) => m.address).join(', ')}`,
    );
  }
  return { address: getAddress(only.address), orgId: body.orgId, nodeId: undefined };
}

async function validator(stores: SubjectStores, network: Network, body: CreateProposal): Promise<ProposalSubject> {
  if (!body.nodeId) {
    if (!body.address) {
      throw invalid('Name the validator: nodeId or address', 'address', 'required without nodeId');
    }
    return { address: getAddress(body.address), orgId: body.orgId, nodeId: undefined };
  }
  const node = (await stores.nodes.listByNetwork(network.id)).find((n) => n.id === body.nodeId);
  if (!node || node.state === 'terminated') {
    throw invalid('There is no such node on this network', 'nodeId', 'not a node of this network');
  }
  if (body.orgId && body.orgId !== node.orgId) {
    throw invalid('The node belongs to another organisation', 'orgId', 'must be the node’s organisation');
  }
  if (body.kind === 'remove-validator' && !body.address && !body.memberKeyId && !node.validatorAddress) {
    const binding = (await stores.governance.listValidatorBindings(network.id)).find((b) => b.nodeId === node.id);
    if (!binding) {
      throw invalid(
        'That node is behind no validator the control plane knows; name the address',
        'address',
        'required',
      );
    }
    return { address: getAddress(binding.address), orgId: node.orgId, nodeId: node.id };
  }
  const chosen = await keyAddress(stores, node.orgId, body.memberKeyId, body.address);
  if (node.validatorAddress) {
    if (chosen && !same(chosen, node.validatorAddress)) {
      throw invalid(
        `The node reports its own validator address ${node.validatorAddress}`,
        body.memberKeyId ? 'memberKeyId' : 'address',
        'must be the node’s validator address (or left out)',
      );
    }
    return { address: getAddress(node.validatorAddress), orgId: node.orgId, nodeId: node.id };
  }
  if (!chosen) {
    throw invalid(
      'This node has no validator address of its own (nodes on the anvil runtime have no node key): name the ' +
        'address to use with memberKeyId (a signing key of the node’s organisation) or address',
      'memberKeyId',
      'required for a node without a validator address',
    );
  }
  return { address: chosen, orgId: node.orgId, nodeId: node.id };
}

/** The address of the organisation's key, or the one given; both must agree when both are given. */
async function keyAddress(
  stores: SubjectStores,
  orgId: string,
  keyId: string | undefined,
  address: string | undefined,
): Promise<string | undefined> {
  if (!keyId) return address ? getAddress(address) : undefined;
  const key = await stores.signingKeys.get(orgId, keyId);
  if (!key) throw invalid('The organisation has no such signing key', 'memberKeyId', 'unknown key');
  if (address && !same(address, key.address)) {
    throw invalid('memberKeyId and address name different addresses', 'address', `must be ${key.address}`);
  }
  return getAddress(key.address);
}
