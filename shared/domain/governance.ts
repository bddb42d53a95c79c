/**
 * The words of consortium governance: what a proposal can be about and the states it goes through (in the order of
 * the ConsortiumGovernance contract's Solidity enums, which a test checks against the compiled artefact), and how
 * the control plane carries a passed decision out. The contract binding, the repository and the API schemas all
 * take their word lists from here.
 */

/** In the order of the Solidity enum `ProposalKind`. */
export const PROPOSAL_KINDS = ['admit-member', 'remove-member', 'add-validator', 'remove-validator'] as const;
export type ProposalKind = (typeof PROPOSAL_KINDS)[number];

/** In the order of the Solidity enum `ProposalState`. */
export const PROPOSAL_STATES = ['active', 'passed', 'rejected', 'expired', 'executed'] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];

/** pending → (voting) → applied → executed; refused by the BFT safety check; partial when an offboarding could not
 * vote out every validator. */
export const EXECUTION_STATES = ['pending', 'voting', 'applied', 'executed', 'refused', 'partial'] as const;
export type ExecutionState = (typeof EXECUTION_STATES)[number];

/** Terminal states: the watcher leaves them alone; an operator may ask for another attempt. */
export const SETTLED_EXECUTION_STATES: readonly ExecutionState[] = ['executed', 'refused', 'partial'];

/** What became of one validator of an organisation being offboarded. */
export const OFFBOARDING_OUTCOMES = ['removed', 'already-removed', 'refused'] as const;
export type OffboardingOutcome = (typeof OFFBOARDING_OUTCOMES)[number];
