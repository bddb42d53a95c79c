// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title CareChain consortium governance
/// @notice Members (organisations, by their signing-key address) propose and vote on admitting and removing
/// members and on adding and removing validators. A proposal passes with yes votes from more than half of the
/// current members. Member changes take effect on chain the moment a proposal passes; validator changes are
/// carried out off chain by the control plane (a validator vote on the QBFT network), which then records them
/// here with `markExecuted`, so the validator list below is the set as governance knows it.
contract ConsortiumGovernance {
    enum ProposalKind {
        AdmitMember,
        RemoveMember,
        AddValidator,
        RemoveValidator
    }

    /// @dev Expired is never stored before `settle` runs; views derive it from the clock.
    enum ProposalState {
        Active,
        Passed,
        Rejected,
        Expired,
        Executed
    }

    struct Member {
        address account;
        bytes32 orgRef;
        uint64 admittedAt;
    }

    struct Proposal {
        uint256 id;
        ProposalKind kind;
        ProposalState state;
        address subject;
        bytes32 orgRef;
        address proposer;
        uint64 createdAt;
        uint64 expiresAt;
        uint64 executedAt;
        uint32 yesVotes;
        uint32 noVotes;
    }

    event ProposalCreated(
        uint256 indexed id,
        ProposalKind kind,
        address indexed subject,
        bytes32 orgRef,
        address indexed proposer,
        uint64 expiresAt
    );
    event VoteCast(uint256 indexed id, address indexed voter, bool support, uint32 yesVotes, uint32 noVotes);
    event ProposalPassed(uint256 indexed id);
    event ProposalRejected(uint256 indexed id);
    event ProposalExpired(uint256 indexed id);
    /// @dev executor: the deciding voter for member changes, the control plane (or a member) for validator changes.
    event ProposalExecuted(uint256 indexed id, address indexed executor);
    /// @dev proposalId 0 marks founding members and genesis validators.
    event MemberAdmitted(address indexed member, bytes32 orgRef, uint256 indexed proposalId);
    event MemberRemoved(address indexed member, uint256 indexed proposalId);
    event ValidatorAdded(address indexed validator, uint256 indexed proposalId);
    event ValidatorRemoved(address indexed validator, uint256 indexed proposalId);

    error NoFoundingMembers();
    error LengthMismatch(uint256 members, uint256 orgRefs);
    error ZeroAddress();
    error DuplicateAddress(address account);
    error InvalidVotingPeriodBounds(uint64 defaultPeriod, uint64 minPeriod, uint64 maxPeriod);
    error VotingPeriodOutOfBounds(uint64 period, uint64 minPeriod, uint64 maxPeriod);
    error CallerNotMember(address caller);
    error CallerNotExecutor(address caller);
    error AlreadyMember(address account);
    error UnknownMember(address account);
    error LastMember(address account);
    error ValidatorAlreadyKnown(address validator);
    error UnknownValidator(address validator);
    error ProposalAlreadyOpen(uint256 id);
    error UnknownProposal(uint256 id);
    error VotingClosed(uint256 id, ProposalState state);
    error AlreadyVoted(uint256 id, address voter);
    error NotAwaitingExecution(uint256 id, ProposalState state);

    /// @notice Voting period used when a proposal asks for 0.
    uint64 public immutable defaultVotingPeriod;
    uint64 public immutable minVotingPeriod;
    uint64 public immutable maxVotingPeriod;
    /// @notice Besides members, this address may record validator changes as executed (the control plane's
    /// platform key); the zero address means members only.
    address public immutable executor;

    Member[] private memberList;
    /// @dev Position in memberList plus one; zero means not a member.
    mapping(address account => uint256) private memberSlot;

    address[] private validatorList;
    mapping(address validator => uint256) private validatorSlot;

    Proposal[] private proposalList;
    mapping(uint256 id => mapping(address member => bool)) private voted;
    /// @dev Open proposal per (kind, subject): at most one may be undecided, or passed and awaiting execution.
    mapping(bytes32 key => uint256 id) private openProposal;

    modifier onlyMember() {
        if (memberSlot[msg.sender] == 0) revert CallerNotMember(msg.sender);
        _;
    }

    constructor(
        address[] memory foundingMembers,
        bytes32[] memory orgRefs,
        address[] memory initialValidators,
        uint64 votingPeriod,
        uint64 minPeriod,
        uint64 maxPeriod,
        address executorAccount
    ) {
        if (foundingMembers.length == 0) revert NoFoundingMembers();
        if (orgRefs.length != foundingMembers.length) revert LengthMismatch(foundingMembers.length, orgRefs.length);
        if (minPeriod == 0 || minPeriod > votingPeriod || votingPeriod > maxPeriod) {
            revert InvalidVotingPeriodBounds(votingPeriod, minPeriod, maxPeriod);
        }
        defaultVotingPeriod = votingPeriod;
        minVotingPeriod = minPeriod;
        maxVotingPeriod = maxPeriod;
        executor = executorAccount;
        for (uint256 i = 0; i < foundingMembers.length; i++) {
            address account = foundingMembers[i];
            if (account == address(0)) revert ZeroAddress();
            if (memberSlot[account] != 0) revert DuplicateAddress(account);
            _addMember(account, orgRefs[i], 0);
        }
        for (uint256 i = 0; i < initialValidators.length; i++) {
            address validator = initialValidators[i];
            if (validator == address(0)) revert ZeroAddress();
            if (validatorSlot[validator] != 0) revert DuplicateAddress(validator);
            _addValidator(validator, 0);
        }
    }

    // ---- proposing -------------------------------------------------------------------------------------------

    /// @param votingPeriod seconds the proposal stays open; 0 takes the default.
    function proposeAdmitMember(address member, bytes32 orgRef, uint64 votingPeriod)
        external
        onlyMember
        returns (uint256)
    {
        if (member == address(0)) revert ZeroAddress();
        if (memberSlot[member] != 0) revert AlreadyMember(member);
        return _propose(ProposalKind.AdmitMember, member, orgRef, votingPeriod);
    }

    function proposeRemoveMember(address member, uint64 votingPeriod) external onlyMember returns (uint256) {
        if (memberSlot[member] == 0) revert UnknownMember(member);
        if (memberList.length == 1) revert LastMember(member);
        return _propose(ProposalKind.RemoveMember, member, bytes32(0), votingPeriod);
    }

    function proposeAddValidator(address validator, uint64 votingPeriod) external onlyMember returns (uint256) {
        if (validator == address(0)) revert ZeroAddress();
        if (validatorSlot[validator] != 0) revert ValidatorAlreadyKnown(validator);
        return _propose(ProposalKind.AddValidator, validator, bytes32(0), votingPeriod);
    }

    function proposeRemoveValidator(address validator, uint64 votingPeriod) external onlyMember returns (uint256) {
        if (validatorSlot[validator] == 0) revert UnknownValidator(validator);
        return _propose(ProposalKind.RemoveValidator, validator, bytes32(0), votingPeriod);
    }

    // ---- voting and settling ---------------------------------------------------------------------------------

    function vote(uint256 id, bool support) external onlyMember {
        Proposal storage p = _stored(id);
        ProposalState current = _currentState(p);
        if (current != ProposalState.Active) revert VotingClosed(id, current);
        if (voted[id][msg.sender]) revert AlreadyVoted(id, msg.sender);
        voted[id][msg.sender] = true;
        if (support) p.yesVotes += 1;
        else p.noVotes += 1;
        emit VoteCast(id, msg.sender, support, p.yesVotes, p.noVotes);
        _decide(p);
    }

    /// @notice Records what the clock or a change in membership has decided: an expired proposal becomes
    /// Expired, and one that now has a majority (or can no longer get one) passes (or is rejected).
    /// Anyone may call it; it only writes down what is already true.
    function settle(uint256 id) external returns (ProposalState) {
        Proposal storage p = _stored(id);
        if (p.state == ProposalState.Active) {
            if (_isPastExpiry(p)) {
                p.state = ProposalState.Expired;
                _closeOpen(p);
                emit ProposalExpired(id);
            } else {
                _decide(p);
            }
        }
        return p.state;
    }

    /// @notice The control plane carried out a passed validator change on the network; record it.
    function markExecuted(uint256 id) external {
        if (memberSlot[msg.sender] == 0 && (executor == address(0) || msg.sender != executor)) {
            revert CallerNotExecutor(msg.sender);
        }
        Proposal storage p = _stored(id);
        bool validatorChange = p.kind == ProposalKind.AddValidator || p.kind == ProposalKind.RemoveValidator;
        if (!validatorChange || p.state != ProposalState.Passed) revert NotAwaitingExecution(id, _currentState(p));
        if (p.kind == ProposalKind.AddValidator) {
            if (validatorSlot[p.subject] != 0) revert ValidatorAlreadyKnown(p.subject);
            _addValidator(p.subject, id);
        } else {
            if (validatorSlot[p.subject] == 0) revert UnknownValidator(p.subject);
            _removeValidator(p.subject, id);
        }
        _markExecuted(p);
    }

    // ---- views -------------------------------------------------------------------------------------------------

    function members() external view returns (Member[] memory) {
        return memberList;
    }

    function memberCount() external view returns (uint256) {
        return memberList.length;
    }

    function isMember(address account) external view returns (bool) {
        return memberSlot[account] != 0;
    }

    function validators() external view returns (address[] memory) {
        return validatorList;
    }

    function isValidator(address account) external view returns (bool) {
        return validatorSlot[account] != 0;
    }

    function proposalCount() external view returns (uint256) {
        return proposalList.length;
    }

    /// @notice A proposal with its tallies; an Active proposal past its expiry reads as Expired.
    function proposal(uint256 id) external view returns (Proposal memory snapshot) {
        Proposal storage p = _stored(id);
        snapshot = p;
        snapshot.state = _currentState(p);
    }

    function hasVoted(uint256 id, address member) external view returns (bool) {
        _stored(id);
        return voted[id][member];
    }

    /// @notice Yes votes a proposal needs to pass with the current members: more than half of them.
    function votesToPass() public view returns (uint256) {
        return memberList.length / 2 + 1;
    }

    // ---- internals -------------------------------------------------------------------------------------------

    function _propose(ProposalKind kind, address subject, bytes32 orgRef, uint64 votingPeriod)
        private
        returns (uint256 id)
    {
        uint64 period = votingPeriod == 0 ? defaultVotingPeriod : votingPeriod;
        if (period < minVotingPeriod || period > maxVotingPeriod) {
            revert VotingPeriodOutOfBounds(period, minVotingPeriod, maxVotingPeriod);
        }
        bytes32 key = _openKey(kind, subject);
        uint256 existing = openProposal[key];
        if (existing != 0) {
            // An open proposal left behind by the clock no longer blocks a new one.
            Proposal storage previous = proposalList[existing - 1];
            if (_currentState(previous) != ProposalState.Expired) revert ProposalAlreadyOpen(existing);
            previous.state = ProposalState.Expired;
            emit ProposalExpired(existing);
        }
        id = proposalList.length + 1;
        uint64 nowSeconds = uint64(block.timestamp);
        proposalList.push(
            Proposal({
                id: id,
                kind: kind,
                state: ProposalState.Active,
                subject: subject,
                orgRef: orgRef,
                proposer: msg.sender,
                createdAt: nowSeconds,
                expiresAt: nowSeconds + period,
                executedAt: 0,
                yesVotes: 0,
                noVotes: 0
            })
        );
        openProposal[key] = id;
        emit ProposalCreated(id, kind, subject, orgRef, msg.sender, nowSeconds + period);
    }

    /// @dev Passing needs 2·yes > members; it becomes impossible once 2·no ≥ members, since even every
    /// other member voting yes would leave yes ≤ members − no ≤ members / 2.
    function _decide(Proposal storage p) private {
        uint256 memberTotal = memberList.length;
        if (2 * uint256(p.yesVotes) > memberTotal) {
            p.state = ProposalState.Passed;
            emit ProposalPassed(p.id);
            _executeMemberChange(p);
        } else if (2 * uint256(p.noVotes) >= memberTotal) {
            p.state = ProposalState.Rejected;
            _closeOpen(p);
            emit ProposalRejected(p.id);
        }
    }

    function _executeMemberChange(Proposal storage p) private {
        if (p.kind == ProposalKind.AdmitMember) {
            if (memberSlot[p.subject] != 0) revert AlreadyMember(p.subject);
            _addMember(p.subject, p.orgRef, p.id);
        } else if (p.kind == ProposalKind.RemoveMember) {
            if (memberSlot[p.subject] == 0) revert UnknownMember(p.subject);
            if (memberList.length == 1) revert LastMember(p.subject);
            _removeMember(p.subject, p.id);
        } else {
            return; // validator changes wait for the control plane
        }
        _markExecuted(p);
    }

    function _markExecuted(Proposal storage p) private {
        p.state = ProposalState.Executed;
        p.executedAt = uint64(block.timestamp);
        _closeOpen(p);
        emit ProposalExecuted(p.id, msg.sender);
    }

    function _addMember(address account, bytes32 orgRef, uint256 proposalId) private {
        memberList.push(Member({account: account, orgRef: orgRef, admittedAt: uint64(block.timestamp)}));
        memberSlot[account] = memberList.length;
        emit MemberAdmitted(account, orgRef, proposalId);
    }

    function _removeMember(address account, uint256 proposalId) private {
        uint256 index = memberSlot[account] - 1;
        uint256 last = memberList.length - 1;
        if (index != last) {
            Member memory moved = memberList[last];
            memberList[index] = moved;
            memberSlot[moved.account] = index + 1;
        }
        memberList.pop();
        delete memberSlot[account];
        emit MemberRemoved(account, proposalId);
    }

    function _addValidator(address validator, uint256 proposalId) private {
        validatorList.push(validator);
        validatorSlot[validator] = validatorList.length;
        emit ValidatorAdded(validator, proposalId);
    }

    function _removeValidator(address validator, uint256 proposalId) private {
        uint256 index = validatorSlot[validator] - 1;
        uint256 last = validatorList.length - 1;
        if (index != last) {
            address moved = validatorList[last];
            validatorList[index] = moved;
            validatorSlot[moved] = index + 1;
        }
        validatorList.pop();
        delete validatorSlot[validator];
        emit ValidatorRemoved(validator, proposalId);
    }

    function _closeOpen(Proposal storage p) private {
        bytes32 key = _openKey(p.kind, p.subject);
        if (openProposal[key] == p.id) delete openProposal[key];
    }

    function _stored(uint256 id) private view returns (Proposal storage) {
        if (id == 0 || id > proposalList.length) revert UnknownProposal(id);
        return proposalList[id - 1];
    }

    function _currentState(Proposal storage p) private view returns (ProposalState) {
        if (p.state == ProposalState.Active && _isPastExpiry(p)) return ProposalState.Expired;
        return p.state;
    }

    function _isPastExpiry(Proposal storage p) private view returns (bool) {
        return block.timestamp >= p.expiresAt;
    }

    function _openKey(ProposalKind kind, address subject) private pure returns (bytes32) {
        return keccak256(abi.encode(kind, subject));
    }
}
