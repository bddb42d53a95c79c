/**
 * Voting on an open proposal: choose the member key, then yes or no. The confirmation says what the vote is
 * about and that it cannot be changed; while the vote is mined the dialog says so; a key that has voted shows
 * how it voted instead of the buttons.
 */
import { useState } from 'react';
import { api } from '../../api/api-client.ts';
import type { CastVote, CastVoteAnswer, Proposal, ProposalVotes } from '../../api/api-types.ts';
import { useAction } from '../../api/use-action.ts';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { ErrorMessage } from '../../components/error-message.tsx';
import { useConsortium } from './consortium-scope.tsx';
import { describeProposal } from './proposal-words.ts';
import { NoMemberKey, SignerPicker, signerWords } from './signer-picker.tsx';
import { TransactionLink } from './transaction-link.tsx';
import type { Signers } from './use-signers.ts';

export function VotePanel({
  proposal,
  votes,
  signers,
  onVoted,
}: {
  readonly proposal: Proposal;
  readonly votes: ProposalVotes | undefined;
  readonly signers: Signers;
  readonly onVoted: () => void;
}) {
  const { networkId, acting } = useConsortium();
  const [signerId, setSignerId] = useState('');
  const [support, setSupport] = useState<boolean | undefined>(undefined);
  const [cast, setCast] = useState<CastVoteAnswer | undefined>(undefined);
  const signer = signers.choices.find((c) => c.id === signerId) ?? signers.choices[0];
  const vote = useAction(async (body: CastVote) => {
    const answer = await api<CastVoteAnswer>('POST', `/v1/networks/${networkId}/proposals/${proposal.id}/votes`, {
      body,
    });
    setSupport(undefined);
    setCast(answer);
    onVoted();
  });
  const voted = signer && votes?.items.find((v) => v.voter.toLowerCase() === signer.address.toLowerCase());
  const canSign = acting.kind === 'platform' || acting.canSign;

  return (
    <section className="card" aria-labelledby="vote-heading">
      <h2 id="vote-heading">{acting.kind === 'platform' ? 'The platform’s vote' : 'Your vote'}</h2>
      {cast && (
        <div className="notice notice-ok" role="status">
          <p>
            Your {cast.support ? 'yes' : 'no'} vote is recorded on the network in transaction{' '}
            <TransactionLink hash={cast.transactionHash} label="Vote transaction" />.
          </p>
        </div>
      )}
      {proposal.state !== 'active' && <p className="muted">Voting on this proposal is closed.</p>}
      {proposal.state === 'active' && !canSign && <p className="muted">Viewers can follow votes but not vote.</p>}
      {proposal.state === 'active' && canSign && signers.choices.length === 0 && !signers.loading && (
        <NoMemberKey acting={acting} signers={signers} />
      )}
      {proposal.state === 'active' && canSign && signer && (
        <>
          <div className="form-narrow">
            <SignerPicker
              signers={signers}
              value={signer.id}
              onChange={setSignerId}
              hint="Each member key votes once; a vote cannot be changed"
            />
          </div>
          {voted ? (
            <p data-testid="already-voted">
              This key voted <strong>{voted.support ? 'yes' : 'no'}</strong>.
            </p>
          ) : (
            <div className="button-row">
              <button type="button" className="button button-primary" onClick={() => setSupport(true)}>
                Vote yes
              </button>
              <button type="button" className="button" onClick={() => setSupport(false)}>
                Vote no
              </button>
            </div>
          )}
        </>
      )}
      <ErrorMessage error={support === undefined ? vote.error : undefined} />
      <ConfirmDialog
        open={support !== undefined}
        title={`Vote ${support ? 'yes' : 'no'} on proposal ${proposal.id}?`}
        confirmLabel={`Sign and vote ${support ? 'yes' : 'no'}`}
        danger={support === false}
        pending={vote.pending}
        progress={<p>Signing the vote and waiting for the network to include it in a block…</p>}
        error={vote.error}
        onConfirm={() => signer && support !== undefined && void vote.run({ ...signer.body, support })}
        onCancel={() => {
          vote.clear();
          setSupport(undefined);
        }}
      >
        <p>
          You are about to sign, with {signer ? signerWords(signer) : 'your key'}, a{' '}
          <strong>{support ? 'yes' : 'no'}</strong> vote on “{describeProposal(proposal)}” (proposal {proposal.id},
          about {proposal.subject}).
        </p>
        <p>Each member votes once, and a vote cannot be changed.</p>
      </ConfirmDialog>
    </section>
  );
}
