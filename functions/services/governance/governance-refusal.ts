/**
 * The consortium contract's refusals as API errors: each custom error the contract reverts with becomes a named
 * error with the right status (not a member → 403, double vote or closed voting → 409, unknown proposal → 404)
 * and a sentence that says which rule refused and what to do, never a 500.
 */
import {
  decodeGovernanceRevert,
  type GovernanceRevert,
} from '../../../shared/chain/contracts/consortium-governance.ts';
import { PROPOSAL_STATES } from '../../../shared/domain/governance.ts';
import { AppError, type FieldError } from '../../../shared/errors.ts';

/** A rule of the governance contract refused the call; `rule` is the contract's custom error name. */
export class GovernanceRefusedError extends AppError {
  readonly type = 'governance-refused';
  readonly title = 'Refused by the consortium governance contract';

  constructor(
    readonly status: 400 | 403 | 404 | 409,
    readonly rule: string,
    message: string,
    readonly fields: readonly FieldError[] = [],
    options?: { cause?: unknown },
  ) {
    super(`${message} (contract rule: ${rule})`, options);
  }
}

/** The contract's refusal behind `error`, or undefined when the error is something else (a node fault...). */
export function governanceRefusal(error: unknown): GovernanceRefusedError | undefined {
  if (error instanceof GovernanceRefusedError) return error;
  const revert = decodeGovernanceRevert(error);
  return revert ? refusalFromRevert(revert, error) : undefined;
}

export function refusalFromRevert(revert: GovernanceRevert, cause?: unknown): GovernanceRefusedError {
  const arg = (index: number) => String(revert.args[index]);
  const state = (index: number) => PROPOSAL_STATES[Number(revert.args[index])] ?? arg(index);
  const refuse = (status: 400 | 403 | 404 | 409, message: string, fields: FieldError[] = []) =>
    new GovernanceRefusedError(status, revert.name, message, fields, { cause });
  switch (revert.name) {
    case 'CallerNotMember':
      return refuse(
        403,
        `The signing key ${arg(0)} is not a member of this network's consortium; only members propose and vote. ` +
          'Use the key your organisation was admitted with, or ask the members to admit it.',
      );
    case 'CallerNotExecutor':
      return refuse(403, `${arg(0)} may not record decisions as executed on this network.`);
    case 'AlreadyVoted':
      return refuse(409, `The key ${arg(1)} has already voted on proposal ${arg(0)}; each member votes once.`);
    case 'VotingClosed':
      return refuse(409, `Voting on proposal ${arg(0)} is closed: it is ${state(1)}.`);
    case 'UnknownProposal':
      return refuse(404, `There is no proposal ${arg(0)} on this network.`);
    case 'AlreadyMember':
      return refuse(409, `${arg(0)} is already a member of the consortium.`);
    case 'UnknownMember':
      return refuse(409, `${arg(0)} is not a member of the consortium.`);
    case 'LastMember':
      return refuse(409, `${arg(0)} is the consortium's last member and cannot be removed.`);
    case 'ValidatorAlreadyKnown':
      return refuse(409, `${arg(0)} is already one of the network's validators.`);
    case 'UnknownValidator':
      return refuse(409, `${arg(0)} is not one of the network's validators.`);
    case 'ProposalAlreadyOpen':
      return refuse(409, `Proposal ${arg(0)} about the same change is still open; vote on it instead.`);
    case 'NotAwaitingExecution':
      return refuse(409, `Proposal ${arg(0)} is ${state(1)}, not a passed validator change awaiting execution.`);
    case 'VotingPeriodOutOfBounds':
      return refuse(400, 'The voting period is outside what this network allows.', [
        { path: 'body.votingPeriodSeconds', message: `must be from ${arg(1)} to ${arg(2)} seconds` },
      ]);
    case 'ZeroAddress':
      return refuse(400, 'The zero address cannot be a member or a validator.', [
        { path: 'body.address', message: 'must not be the zero address' },
      ]);
    default:
      return refuse(409, `The contract refused the call with ${revert.name}(${revert.args.join(', ')}).`);
  }
}
