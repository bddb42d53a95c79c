/**
 * Choosing the key that signs a proposal or a vote: one of the organisation's keys that are consortium members
 * (or, for operators, the platform key). With no member key the picker explains why nothing can be signed and
 * where membership comes from, rather than offering keys the contract would refuse.
 */
import { Link } from 'react-router';
import { FormField } from '../../components/form-field.tsx';
import { shortHex } from '../../components/format.ts';
import type { Acting } from './consortium-scope.tsx';
import type { SignerChoice, Signers } from './use-signers.ts';

export function signerWords(choice: SignerChoice): string {
  return `${choice.label} (${shortHex(choice.address)})`;
}

export function SignerPicker({
  signers,
  value,
  onChange,
  hint = 'The key signs the transaction; the network records its address as your organisation’s',
}: {
  readonly signers: Signers;
  readonly value: string;
  readonly onChange: (id: string) => void;
  readonly hint?: string;
}) {
  return (
    <FormField label="Sign with" hint={hint}>
      <select value={value} onChange={(event) => onChange(event.target.value)}>
        {signers.choices.map((choice) => (
          <option key={choice.id} value={choice.id}>
            {signerWords(choice)}
          </option>
        ))}
      </select>
    </FormField>
  );
}

/** Why the organisation cannot propose or vote yet, and what to do about it. */
export function NoMemberKey({ acting, signers }: { readonly acting: Acting; readonly signers: Signers }) {
  if (acting.kind === 'platform') {
    return <p className="notice notice-warn">The platform key is not set up yet, so CareChain cannot sign.</p>;
  }
  return (
    <div className="notice notice-info" data-testid="no-member-key">
      <p>
        <strong>{acting.orgName} is not a member of this consortium yet</strong>, so it cannot propose or vote. Members
        admit a new member by a vote; see <a href="#how-to-join">how to join</a> below.
      </p>
      {signers.noKeys && (
        <p>
          First <Link to={`/orgs/${acting.orgId}/keys`}>create a signing key</Link>: its address becomes your
          organisation’s member address.
        </p>
      )}
    </div>
  );
}
