// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";

/// @notice What the ledger needs of the network's governance contract: who is a member of the consortium.
interface IConsortiumMembership {
    function isMember(address account) external view returns (bool);
}

/// @title CareChain consent ledger
/// @notice Patients decide which member organisation may read which kinds of their health records, for which
/// purpose and for how long; members check consent before they read and log every access. Modelled on HL7 FHIR R5
/// `Consent` (provision: actor, purpose, resource class, data period, period; decision permit/deny) and ISO/IEC TS
/// 27560 consent records (a receipt kept off chain, its hash here).
///
/// Nothing here identifies a person. A patient appears only as a pseudonym per grantee (a salted hash of the
/// patient's DID that the patient gives to that organisation) and as a pairwise key per grantee that signs the
/// patient's actions, so two organisations' records of one patient cannot be linked by reading the chain.
/// Health data never comes here: records stay in members' systems; the policy text and the receipt are hashes.
///
/// Only the patient's key for a pseudonym gives, changes (gives anew, superseding), withdraws or blocks: the patient
/// signs EIP-712 typed data and any member relays it (a nonce per key and a deadline, so a signature is used once
/// and not after it expires). A pseudonym is the hash of the pairwise key and of the salted hash of the DID, so it
/// commits to the one key that may act under it.
contract ConsentLedger is EIP712 {
    enum Status {
        None,
        Active,
        Withdrawn,
        Superseded
    }

    struct Consent {
        bytes32 subject;
        address grantee;
        address controller;
        bytes32 purpose;
        uint64 dataFrom;
        uint64 dataUntil;
        uint64 validFrom;
        uint64 validUntil;
        bool permit;
        Status status;
        uint64 recordedAt;
        bytes32 policyHash;
        bytes32 receiptHash;
        bytes32 supersedes;
    }

    /// @dev What a patient signs to give (or change) a consent. Time fields are Unix seconds; 0 leaves a bound open.
    struct ConsentTerms {
        /// @dev keccak256(abi.encode(patientKey, didCommitment)): the pseudonym commits to the key that controls it.
        bytes32 subject;
        /// @dev The patient's pairwise key that signs: declared, so altered terms fail instead of recovering a stray key.
        address patientKey;
        /// @dev keccak256(abi.encode(salt, did)): the salted hash of the patient's DID, per grantee.
        bytes32 didCommitment;
        address grantee;
        bytes32 purpose;
        bytes32[] resourceTypes;
        uint64 dataFrom;
        uint64 dataUntil;
        uint64 validFrom;
        uint64 validUntil;
        bool permit;
        bytes32 policyHash;
        bytes32 receiptHash;
        bytes32 supersedes;
    }

    bytes32 private constant GIVE_TYPEHASH = keccak256(
        "GiveConsent(bytes32 subject,address patientKey,bytes32 didCommitment,address grantee,bytes32 purpose,bytes32[] resourceTypes,uint64 dataFrom,uint64 dataUntil,uint64 validFrom,uint64 validUntil,bool permit,bytes32 policyHash,bytes32 receiptHash,bytes32 supersedes,uint256 nonce,uint256 deadline)"
    );
    bytes32 private constant WITHDRAW_TYPEHASH =
        keccak256("WithdrawConsent(bytes32 consentId,uint256 nonce,uint256 deadline)");
    bytes32 private constant BLOCK_TYPEHASH =
        keccak256("SetBlock(bytes32 subject,address grantee,bool blocked,uint256 nonce,uint256 deadline)");

    /// @notice At most this many consents (in any status) per pseudonym and grantee, so a check stays bounded.
    uint256 public constant MAX_CONSENTS_PER_GRANTEE = 64;
    uint256 public constant MAX_RESOURCE_TYPES = 32;

    IConsortiumMembership public immutable governance;

    mapping(bytes32 id => Consent) private consents;
    mapping(bytes32 id => bytes32[]) private resourceTypesOf;
    mapping(bytes32 subject => mapping(address grantee => bytes32[])) private consentIds;
    mapping(bytes32 subject => address) public controllerOf;
    mapping(bytes32 subject => mapping(address grantee => uint64)) public blockedSince;
    mapping(address controller => uint256) public nonces;
    /// @dev Where to look: the blocks in which accesses were logged, per pseudonym and per grantee, oldest first
    /// (one entry per block), so a reader fetches exactly those blocks' events instead of scanning the chain.
    mapping(bytes32 subject => uint64[]) private accessBlocksBySubject;
    mapping(address grantee => uint64[]) private accessBlocksByGrantee;
    /// @notice Accesses a grantee logged, per purpose of use (emergency accesses under their purpose too).
    mapping(address grantee => mapping(bytes32 purpose => uint256)) public accessCounts;
    /// @notice Emergency accesses a grantee logged.
    mapping(address grantee => uint256) public emergencyAccessCounts;

    event ConsentGiven(
        bytes32 indexed id,
        bytes32 indexed subject,
        address indexed grantee,
        bytes32 purpose,
        bool permit,
        bytes32 supersedes
    );
    event ConsentSuperseded(bytes32 indexed id, bytes32 indexed subject, address indexed grantee, bytes32 by);
    event ConsentWithdrawn(bytes32 indexed id, bytes32 indexed subject, address indexed grantee);
    event SubjectBlocked(bytes32 indexed subject, address indexed grantee, bool blocked);
    /// @dev consentId is zero for an emergency access (Swedish "nödöppning"), which needs no consent.
    event AccessLogged(
        bytes32 indexed subject,
        address indexed grantee,
        bytes32 indexed consentId,
        bytes32 purpose,
        bytes32 resourceType,
        bool emergency,
        uint64 loggedAt
    );

    error NotAMember(address account);
    error SignatureExpired(uint256 deadline);
    error InvalidNonce(address signer, uint256 nonce, uint256 expected);
    error WrongSigner(address signer, address controller);
    error UnknownConsent(bytes32 id);
    error ConsentNotActive(bytes32 id);
    error SupersedesOtherSubject(bytes32 id);
    error InvalidTerms(string reason);
    error TooManyConsents(bytes32 subject, address grantee);
    error NotPermitted(bytes32 subject, address grantee, bytes32 purpose, bytes32 resourceType);

    modifier onlyMember() {
        if (!governance.isMember(msg.sender)) revert NotAMember(msg.sender);
        _;
    }

    constructor(IConsortiumMembership governance_) EIP712("CareChain Consent Ledger", "1") {
        governance = governance_;
    }

    // ---- the patient's actions, relayed by a member ----

    /// @notice Records a consent the patient signed; with `supersedes` it replaces one of the same pseudonym.
    function giveConsent(ConsentTerms calldata terms, uint256 nonce, uint256 deadline, bytes calldata signature)
        external
        onlyMember
        returns (bytes32 id)
    {
        _checkTerms(terms);
        address signer = _useSignature(_giveHash(terms, nonce, deadline), terms.patientKey, nonce, deadline, signature);
        address controller = controllerOf[terms.subject];
        if (controller == address(0)) {
            controllerOf[terms.subject] = signer;
        } else if (controller != signer) {
            revert WrongSigner(signer, controller);
        }
        bytes32[] storage ids = consentIds[terms.subject][terms.grantee];
        if (ids.length >= MAX_CONSENTS_PER_GRANTEE) revert TooManyConsents(terms.subject, terms.grantee);

        id = keccak256(abi.encode(block.chainid, address(this), signer, nonce));
        if (terms.supersedes != bytes32(0)) _supersede(terms, id);
        _record(terms, id, signer);
        ids.push(id);
        emit ConsentGiven(id, terms.subject, terms.grantee, terms.purpose, terms.permit, terms.supersedes);
    }

    /// @notice Withdraws a consent the patient signed for; it no longer decides any check.
    function withdrawConsent(bytes32 consentId, uint256 nonce, uint256 deadline, bytes calldata signature)
        external
        onlyMember
    {
        Consent storage consent = consents[consentId];
        if (consent.status == Status.None) revert UnknownConsent(consentId);
        _useSignature(
            keccak256(abi.encode(WITHDRAW_TYPEHASH, consentId, nonce, deadline)),
            consent.controller,
            nonce,
            deadline,
            signature
        );
        if (consent.status != Status.Active) revert ConsentNotActive(consentId);
        consent.status = Status.Withdrawn;
        emit ConsentWithdrawn(consentId, consent.subject, consent.grantee);
    }

    /// @notice A block ("spärr") denies the grantee every check under the pseudonym, whatever consents say,
    /// until the patient lifts it.
    function setBlock(
        bytes32 subject,
        address grantee,
        bool blocked,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) external onlyMember {
        address controller = controllerOf[subject];
        if (controller == address(0)) revert InvalidTerms("no consent was ever given under this pseudonym");
        _useSignature(
            keccak256(abi.encode(BLOCK_TYPEHASH, subject, grantee, blocked, nonce, deadline)),
            controller,
            nonce,
            deadline,
            signature
        );
        blockedSince[subject][grantee] = blocked ? uint64(block.timestamp) : 0;
        emit SubjectBlocked(subject, grantee, blocked);
    }

    // ---- members ----

    /// @notice Logs an access by the calling member. Outside an emergency, a consent must permit it now.
    function logAccess(bytes32 subject, bytes32 purpose, bytes32 resourceType, bool emergency)
        external
        onlyMember
        returns (bytes32 consentId)
    {
        if (subject == bytes32(0) || purpose == bytes32(0) || resourceType == bytes32(0)) {
            revert InvalidTerms("subject, purpose and resource type");
        }
        if (emergency) {
            emergencyAccessCounts[msg.sender] += 1;
        } else {
            bool permitted;
            (permitted, consentId) = check(subject, msg.sender, purpose, resourceType);
            if (!permitted) revert NotPermitted(subject, msg.sender, purpose, resourceType);
        }
        accessCounts[msg.sender][purpose] += 1;
        _noteBlock(accessBlocksBySubject[subject]);
        _noteBlock(accessBlocksByGrantee[msg.sender]);
        emit AccessLogged(subject, msg.sender, consentId, purpose, resourceType, emergency, uint64(block.timestamp));
    }

    // ---- reading ----

    /// @notice Whether the grantee may read records of `resourceType` for `purpose` now, and the consent that
    /// decides (zero when nothing permits, or when a block denies). A deny that applies wins over a permit
    /// (most restrictive, as in FHIR); without any consent that applies, the answer is deny.
    function check(bytes32 subject, address grantee, bytes32 purpose, bytes32 resourceType)
        public
        view
        returns (bool permitted, bytes32 decidedBy)
    {
        if (blockedSince[subject][grantee] != 0) return (false, bytes32(0));
        bytes32[] storage ids = consentIds[subject][grantee];
        for (uint256 i = ids.length; i > 0; i--) {
            bytes32 id = ids[i - 1];
            Consent storage consent = consents[id];
            if (!_applies(consent, id, purpose, resourceType)) continue;
            if (!consent.permit) return (false, id);
            if (decidedBy == bytes32(0)) decidedBy = id;
        }
        return (decidedBy != bytes32(0), decidedBy);
    }

    function getConsent(bytes32 id) external view returns (Consent memory consent, bytes32[] memory resourceTypes) {
        consent = consents[id];
        if (consent.status == Status.None) revert UnknownConsent(id);
        resourceTypes = resourceTypesOf[id];
    }

    /// @notice Every consent recorded under a pseudonym for a grantee, oldest first.
    function consentsOf(bytes32 subject, address grantee) external view returns (bytes32[] memory) {
        return consentIds[subject][grantee];
    }

    /// @notice Blocks in which accesses under a pseudonym were logged: `count` of them from `start`, and how many
    /// there are in all.
    function accessBlocksOfSubject(bytes32 subject, uint256 start, uint256 count)
        external
        view
        returns (uint64[] memory blocks, uint256 total)
    {
        return _slice(accessBlocksBySubject[subject], start, count);
    }

    /// @notice Blocks in which a grantee logged accesses: `count` of them from `start`, and how many in all.
    function accessBlocksOfGrantee(address grantee, uint256 start, uint256 count)
        external
        view
        returns (uint64[] memory blocks, uint256 total)
    {
        return _slice(accessBlocksByGrantee[grantee], start, count);
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---- internals ----

    /// @dev Checks an EIP-712 signature is `expected`'s and spends its nonce; expired, forged or replayed fails.
    function _useSignature(
        bytes32 structHash,
        address expected,
        uint256 nonce,
        uint256 deadline,
        bytes calldata signature
    ) private returns (address signer) {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        signer = ECDSA.recover(_hashTypedDataV4(structHash), signature);
        if (signer != expected) revert WrongSigner(signer, expected);
        if (nonces[signer] != nonce) revert InvalidNonce(signer, nonce, nonces[signer]);
        nonces[signer] = nonce + 1;
    }

    /// @dev abi.encode of the 17 words in two parts (one call would not fit the stack); the bytes are the same.
    function _giveHash(ConsentTerms calldata terms, uint256 nonce, uint256 deadline) private pure returns (bytes32) {
        return keccak256(
            bytes.concat(
                abi.encode(
                    GIVE_TYPEHASH,
                    terms.subject,
                    terms.patientKey,
                    terms.didCommitment,
                    terms.grantee,
                    terms.purpose,
                    keccak256(abi.encodePacked(terms.resourceTypes)),
                    terms.dataFrom,
                    terms.dataUntil,
                    terms.validFrom,
                    terms.validUntil
                ),
                abi.encode(terms.permit, terms.policyHash, terms.receiptHash, terms.supersedes, nonce, deadline)
            )
        );
    }

    function _noteBlock(uint64[] storage blocks) private {
        uint256 length = blocks.length;
        if (length == 0 || blocks[length - 1] != uint64(block.number)) blocks.push(uint64(block.number));
    }

    function _slice(uint64[] storage all, uint256 start, uint256 count)
        private
        view
        returns (uint64[] memory blocks, uint256 total)
    {
        total = all.length;
        uint256 end = start >= total ? total : (count > total - start ? total : start + count);
        blocks = new uint64[](end > start ? end - start : 0);
        for (uint256 i = start; i < end; i++) {
            blocks[i - start] = all[i];
        }
    }

    function _applies(Consent storage consent, bytes32 id, bytes32 purpose, bytes32 resourceType)
        private
        view
        returns (bool)
    {
        if (consent.status != Status.Active || consent.purpose != purpose) return false;
        if (consent.validFrom != 0 && block.timestamp < consent.validFrom) return false;
        if (consent.validUntil != 0 && block.timestamp > consent.validUntil) return false;
        bytes32[] storage types = resourceTypesOf[id];
        for (uint256 j = 0; j < types.length; j++) {
            if (types[j] == resourceType) return true;
        }
        return false;
    }

    function _checkTerms(ConsentTerms calldata terms) private pure {
        if (terms.subject == bytes32(0)) revert InvalidTerms("subject");
        if (terms.patientKey == address(0)) revert InvalidTerms("patientKey");
        // Only the key the pseudonym commits to can ever act under it: nobody who learns a pseudonym (the grantee,
        // a node operator seeing a relay) can take it over with a key of their own.
        if (keccak256(abi.encode(terms.patientKey, terms.didCommitment)) != terms.subject) {
            revert InvalidTerms("subject does not commit to patientKey");
        }
        if (terms.grantee == address(0)) revert InvalidTerms("grantee");
        if (terms.purpose == bytes32(0)) revert InvalidTerms("purpose");
        if (terms.resourceTypes.length == 0 || terms.resourceTypes.length > MAX_RESOURCE_TYPES) {
            revert InvalidTerms("resourceTypes");
        }
        if (terms.validUntil != 0 && terms.validUntil <= terms.validFrom) revert InvalidTerms("validity");
        if (terms.dataUntil != 0 && terms.dataUntil < terms.dataFrom) revert InvalidTerms("data period");
    }

    function _record(ConsentTerms calldata terms, bytes32 id, address controller) private {
        Consent storage consent = consents[id];
        consent.subject = terms.subject;
        consent.grantee = terms.grantee;
        consent.controller = controller;
        consent.purpose = terms.purpose;
        consent.dataFrom = terms.dataFrom;
        consent.dataUntil = terms.dataUntil;
        consent.validFrom = terms.validFrom;
        consent.validUntil = terms.validUntil;
        consent.permit = terms.permit;
        consent.status = Status.Active;
        consent.recordedAt = uint64(block.timestamp);
        consent.policyHash = terms.policyHash;
        consent.receiptHash = terms.receiptHash;
        consent.supersedes = terms.supersedes;
        resourceTypesOf[id] = terms.resourceTypes;
    }

    function _supersede(ConsentTerms calldata terms, bytes32 by) private {
        Consent storage old = consents[terms.supersedes];
        if (old.status == Status.None) revert UnknownConsent(terms.supersedes);
        if (old.subject != terms.subject || old.grantee != terms.grantee) revert SupersedesOtherSubject(terms.supersedes);
        if (old.status != Status.Active) revert ConsentNotActive(terms.supersedes);
        old.status = Status.Superseded;
        emit ConsentSuperseded(terms.supersedes, terms.subject, terms.grantee, by);
    }
}
