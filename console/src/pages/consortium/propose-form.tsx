/**
 * Proposing a change to the consortium: admit or remove a member, add or remove a validator. The form checks
 * what it can before anything is signed (an organisation id, an address), then a confirmation says exactly what
 * will be signed and with which key; while the transaction is mined the dialog says so, and the new proposal's
 * page follows.
 */
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { api } from '../../api/api-client.ts';
import type { CreateProposal, Governance, Proposal, ProposalKind } from '../../api/api-types.ts';
import { PROPOSAL_KIND_LABELS } from '../../api/labels.ts';
import { useAction } from '../../api/use-action.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { FormField } from '../../components/form-field.tsx';
import { useConsortium } from './consortium-scope.tsx';
import { VOTING_PERIODS } from './proposal-words.ts';
import { SignerPicker, signerWords } from './signer-picker.tsx';
import type { Signers } from './use-signers.ts';

const ORG_ID = /^org_[a-z2-7]{20}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

interface Draft {
  kind: ProposalKind;
  orgId: string;
  address: string;
  /** remove-member / remove-validator: the chosen member or validator address. */
  chosen: string;
  period: string;
  signerId: string;
}

function memberName(governance: Governance, address: string): string {
  const member = governance.members.find((m) => m.address === address);
  return member?.orgName ?? member?.orgId ?? address;
}

/** The field errors the form can tell before asking the API. */
function check(draft: Draft): Record<string, string> {
  const errors: Record<string, string> = {};
  if (draft.kind === 'admit-member') {
    if (!ORG_ID.test(draft.orgId.trim())) {
      errors.orgId = 'Enter the organisation id it sent you: org_ followed by 20 letters and digits';
    }
    if (!ADDRESS.test(draft.address.trim())) errors.address = 'Enter an address: 0x followed by 40 hex digits';
  }
  if (draft.kind === 'add-validator' && !ADDRESS.test(draft.address.trim())) {
    errors.address = 'Enter the validator’s address: 0x followed by 40 hex digits';
  }
  if ((draft.kind === 'remove-member' || draft.kind === 'remove-validator') && !draft.chosen) {
    errors.chosen = 'Choose one';
  }
  return errors;
}

export function ProposeForm({ governance, signers }: { readonly governance: Governance; readonly signers: Signers }) {
  const { networkId, base } = useConsortium();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>({
    kind: 'admit-member',
    orgId: '',
    address: '',
    chosen: '',
    period: '',
    signerId: '',
  });
  const [checked, setChecked] = useState<Record<string, string>>({});
  const [confirming, setConfirming] = useState(false);
  const signer = signers.choices.find((c) => c.id === draft.signerId) ?? signers.choices[0];
  const propose = useAction(async (body: CreateProposal) => {
    const proposal = await api<Proposal>('POST', `/v1/networks/${networkId}/proposals`, { body });
    setConfirming(false);
    navigate(`${base}/proposals/${proposal.id}`, {
      state: { notice: `Proposal ${proposal.id} is recorded on the network. Members can vote on it now.` },
    });
  });
  const server = propose.error?.fieldErrors ?? {};
  const fields = { ...server, ...checked };
  const set = (changes: Partial<Draft>) => {
    setDraft({ ...draft, ...changes });
    setChecked({});
  };

  const body = (): CreateProposal | undefined => {
    if (!signer) return undefined;
    const period = draft.period ? Number(draft.period) : undefined;
    const common = { kind: draft.kind, ...signer.body, ...(period && { votingPeriodSeconds: period }) };
    switch (draft.kind) {
      case 'admit-member':
        return { ...common, orgId: draft.orgId.trim(), address: draft.address.trim() };
      case 'add-validator':
        return { ...common, address: draft.address.trim() };
      case 'remove-member': {
        const orgId = governance.members.find((m) => m.address === draft.chosen)?.orgId ?? '';
        return { ...common, address: draft.chosen, ...(ORG_ID.test(orgId) && { orgId }) };
      }
      case 'remove-validator':
        return { ...common, address: draft.chosen };
    }
  };

  const what = (() => {
    switch (draft.kind) {
      case 'admit-member':
        return `admit organisation ${draft.orgId.trim()} with member address ${draft.address.trim()}`;
      case 'remove-member':
        return `remove ${memberName(governance, draft.chosen)} (${draft.chosen}) from the consortium`;
      case 'add-validator':
        return `add ${draft.address.trim()} to the network’s validators`;
      case 'remove-validator':
        return `remove ${draft.chosen} from the network’s validators`;
    }
  })();
  const periodWords = VOTING_PERIODS.find(([seconds]) => String(seconds ?? '') === draft.period)?.[1] ?? '';

  return (
    <section className="card" aria-labelledby="propose-heading">
      <h2 id="propose-heading">Propose a change</h2>
      <form
        className="form"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          propose.clear();
          const errors = check(draft);
          setChecked(errors);
          if (Object.keys(errors).length === 0) setConfirming(true);
        }}
      >
        <FormField label="What to propose">
          <select value={draft.kind} onChange={(e) => set({ kind: e.target.value as ProposalKind, chosen: '' })}>
            {(Object.keys(PROPOSAL_KIND_LABELS) as ProposalKind[]).map((kind) => (
              <option key={kind} value={kind}>
                {PROPOSAL_KIND_LABELS[kind]}
              </option>
            ))}
          </select>
        </FormField>
        {draft.kind === 'admit-member' && (
          <div className="form-row">
            <FormField
              label="Organisation id"
              hint="The organisation finds it on its Consortium page, under How to join"
              error={fields.orgId}
            >
              <input value={draft.orgId} onChange={(e) => set({ orgId: e.target.value })} spellCheck={false} />
            </FormField>
            <FormField
              label="Member key address"
              hint="The address of the organisation’s signing key that will vote for it"
              error={fields.address ?? fields.memberKeyId}
            >
              <input value={draft.address} onChange={(e) => set({ address: e.target.value })} spellCheck={false} />
            </FormField>
          </div>
        )}
        {draft.kind === 'add-validator' && (
          <FormField
            label="Validator address"
            hint="The node’s validator address, shown on its page once it runs"
            error={fields.address}
          >
            <input value={draft.address} onChange={(e) => set({ address: e.target.value })} spellCheck={false} />
          </FormField>
        )}
        {draft.kind === 'remove-member' && (
          <FormField label="Member to remove" error={fields.chosen ?? fields.address ?? fields.orgId}>
            <select value={draft.chosen} onChange={(e) => set({ chosen: e.target.value })}>
              <option value="">Choose a member…</option>
              {governance.members.map((m) => (
                <option key={m.address} value={m.address}>
                  {m.orgName ?? m.orgId ?? 'Unknown organisation'} ({m.address})
                </option>
              ))}
            </select>
          </FormField>
        )}
        {draft.kind === 'remove-validator' && (
          <FormField label="Validator to remove" error={fields.chosen ?? fields.address}>
            <select value={draft.chosen} onChange={(e) => set({ chosen: e.target.value })}>
              <option value="">Choose a validator…</option>
              {governance.validatorDetails.map((v) => (
                <option key={v.address} value={v.address}>
                  {v.address}
                  {v.orgName ? ` (${v.orgName})` : ''}
                </option>
              ))}
            </select>
          </FormField>
        )}
        <FormField label="Voting period" error={fields.votingPeriodSeconds}>
          <select value={draft.period} onChange={(e) => set({ period: e.target.value })}>
            {VOTING_PERIODS.map(([seconds, label]) => (
              <option key={label} value={seconds ?? ''}>
                {label}
              </option>
            ))}
          </select>
        </FormField>
        <SignerPicker signers={signers} value={signer?.id ?? ''} onChange={(signerId) => set({ signerId })} />
        <ErrorMessage
          error={confirming ? undefined : propose.error}
          shownFields={['orgId', 'address', 'memberKeyId', 'votingPeriodSeconds']}
        />
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={!signer}>
            Review and sign…
          </button>
        </div>
      </form>
      <ConfirmDialog
        open={confirming}
        title="Sign this proposal?"
        confirmLabel="Sign and propose"
        pending={propose.pending}
        progress={
          <p>Signing with {signer?.label} and waiting for the network to include the transaction in a block…</p>
        }
        error={propose.error}
        onConfirm={() => {
          const request = body();
          if (request) void propose.run(request);
        }}
        onCancel={() => setConfirming(false)}
      >
        <p>
          You are about to sign, with {signer ? signerWords(signer) : 'your key'}, a transaction to the consortium’s
          contract that proposes to <strong>{what}</strong>.
        </p>
        <p>
          Voting stays open for {periodWords.replace('The network’s default', 'the network’s default')}. The proposal is
          on the chain for good once mined; it passes when more than half of the members vote yes.
        </p>
      </ConfirmDialog>
    </section>
  );
}
