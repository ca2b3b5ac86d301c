// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {ConsentManager} from "./ConsentManager.sol";
import {ProviderDirectory} from "./ProviderDirectory.sol";

/**
 * @title RecordRegistry
 * @notice Anchors health records and treatment plans. A record's contents stay off-chain, encrypted;
 * the chain holds a salted commitment `keccak256(salt || canonical content)` per version, so anyone
 * holding the content and salt can prove it unchanged, and nobody can guess the content from the hash.
 *
 * Nobody silently rewrites what a clinician wrote: a version written under a write consent (a
 * clinician's) cannot be amended by the patient or a guardian. They file an amendment request instead
 * (the HIPAA right to amend, 45 CFR 164.526), which a provider holding a write consent for the category
 * accepts by amending the record, or declines with a reason. Request and reason texts stay off-chain;
 * the chain holds their hashes.
 *
 * Storage is one slot per record: its version, an erased flag, whether the current version is a
 * clinician's, and a 208-bit binding of (patient, category, current commitment). The full commitment,
 * patient, category and author of every version are in the events (and so in the subgraph); callers
 * that amend or erase state the record's patient, category and current commitment, which the binding
 * checks. Keeping one slot is what holds an anchor near the cost of a bare event (see `npm run bench:gas`).
 */
contract RecordRegistry {
    /// @notice A record's on-chain state, in one slot.
    struct RecordHead {
        /// @dev bytes26(keccak256(abi.encode(patient, category, commitment))) of the current version.
        bytes26 binding;
        /// @dev 1 for the first anchor, +1 per amendment; 0 when the record does not exist.
        uint32 version;
        bool erased;
        /// @dev The current version was written under a write consent, not by the patient or a guardian.
        bool byClinician;
    }

    /// @notice Where an amendment request stands.
    enum AmendmentStatus {
        None,
        Open,
        Accepted,
        Declined
    }

    /// @notice An amendment request as stored: the record, its patient, the version it asks to
    /// correct, its status, and when it was answered.
    struct AmendmentRequest {
        bytes32 recordId;
        address patient;
        uint32 version;
        AmendmentStatus status;
        uint40 answeredAt;
    }

    /// @notice Where a treatment plan stands.
    enum TreatmentStatus {
        None,
        Proposed,
        Approved,
        Rejected
    }

    /// @notice A treatment plan as stored, in one slot.
    struct Treatment {
        address patient;
        TreatmentStatus status;
        uint40 decidedAt;
    }

    ConsentManager private immutable _consents;
    ProviderDirectory private immutable _directory;

    mapping(bytes32 recordId => RecordHead) private _records;
    mapping(bytes32 treatmentId => Treatment) private _treatments;
    mapping(bytes32 requestId => AmendmentRequest) private _amendmentRequests;

    /// @notice A record was anchored (version 1).
    /// @param recordId The record.
    /// @param patient Whose record it is.
    /// @param category Data category (e.g. a FHIR resource type), ASCII left-aligned.
    /// @param author Who anchored it: the patient, a guardian or a provider under a write consent.
    /// @param commitment keccak256(salt || canonical content).
    /// @param treatmentId The approved treatment it belongs to, or zero.
    event RecordAnchored(
        bytes32 indexed recordId,
        address indexed patient,
        bytes32 indexed category,
        address author,
        bytes32 commitment,
        bytes32 treatmentId
    );

    /// @notice A record got a new version.
    /// @param recordId The record.
    /// @param patient Whose record it is.
    /// @param author Who amended it.
    /// @param version The new version number.
    /// @param previousCommitment The commitment of the version it replaces.
    /// @param commitment The new version's commitment.
    event RecordAmended(
        bytes32 indexed recordId,
        address indexed patient,
        address indexed author,
        uint32 version,
        bytes32 previousCommitment,
        bytes32 commitment
    );

    /// @notice A record was marked erased; its off-chain keys and salts are destroyed.
    /// @param recordId The record.
    /// @param patient Whose record it is.
    /// @param erasedBy The patient or a guardian.
    /// @param version The version current when erased.
    event RecordErased(bytes32 indexed recordId, address indexed patient, address indexed erasedBy, uint32 version);

    /// @notice The patient or a guardian asked to correct a clinician's version of a record.
    /// @param requestId The request.
    /// @param recordId The record.
    /// @param patient Whose record it is.
    /// @param requestedBy The patient or a guardian.
    /// @param version The version the request asks to correct.
    /// @param requestHash Hash of the off-chain request (proposed change and reason).
    event AmendmentRequested(
        bytes32 indexed requestId,
        bytes32 indexed recordId,
        address indexed patient,
        address requestedBy,
        uint32 version,
        bytes32 requestHash
    );

    /// @notice A provider answered an amendment request: accepted by amending the record, or declined.
    /// @param requestId The request.
    /// @param recordId The record.
    /// @param answeredBy The provider who answered.
    /// @param accepted True when accepted (the record got version `version`), false when declined.
    /// @param version The new version when accepted; the current version when declined.
    /// @param reasonHash Hash of the off-chain reason for a decline; zero when accepted.
    event AmendmentRequestAnswered(
        bytes32 indexed requestId,
        bytes32 indexed recordId,
        address indexed answeredBy,
        bool accepted,
        uint32 version,
        bytes32 reasonHash
    );

    /// @notice A verified provider proposed a treatment plan.
    /// @param treatmentId The treatment.
    /// @param patient For whom.
    /// @param provider Who proposed it.
    /// @param planHash Hash of the off-chain plan document.
    event TreatmentProposed(
        bytes32 indexed treatmentId,
        address indexed patient,
        address indexed provider,
        bytes32 planHash
    );

    /// @notice The patient or a guardian approved or rejected a treatment plan.
    /// @param treatmentId The treatment.
    /// @param patient For whom.
    /// @param decidedBy The patient or a guardian.
    /// @param approved True when approved.
    event TreatmentDecided(
        bytes32 indexed treatmentId,
        address indexed patient,
        address indexed decidedBy,
        bool approved
    );

    /// @notice A zero value where an identifier, address or commitment is needed.
    error RecordRegistryZeroValue();
    /// @notice A record with this id exists already.
    /// @param recordId The record.
    error RecordRegistryRecordExists(bytes32 recordId);
    /// @notice No record with this id.
    /// @param recordId The record.
    error RecordRegistryRecordNotFound(bytes32 recordId);
    /// @notice The record is erased and cannot change.
    /// @param recordId The record.
    error RecordRegistryRecordErased(bytes32 recordId);
    /// @notice The stated patient, category or current commitment is not the record's.
    /// @param recordId The record.
    /// @param version Its current version.
    error RecordRegistryRecordMismatch(bytes32 recordId, uint32 version);
    /// @notice `writer` may not write `patient`'s records in `category`.
    /// @param patient The patient.
    /// @param writer The caller.
    /// @param category The category.
    error RecordRegistryUnauthorizedWriter(address patient, address writer, bytes32 category);
    /// @notice Only the patient or a guardian may do this.
    /// @param patient The patient.
    /// @param actor The caller.
    error RecordRegistryNotPatientOrGuardian(address patient, address actor);
    /// @notice A treatment with this id exists already.
    /// @param treatmentId The treatment.
    error RecordRegistryTreatmentExists(bytes32 treatmentId);
    /// @notice No treatment with this id.
    /// @param treatmentId The treatment.
    error RecordRegistryTreatmentNotFound(bytes32 treatmentId);
    /// @notice The treatment was decided already.
    /// @param treatmentId The treatment.
    /// @param status Its status.
    error RecordRegistryTreatmentAlreadyDecided(bytes32 treatmentId, TreatmentStatus status);
    /// @notice Records can only be anchored under an approved treatment of the same patient.
    /// @param treatmentId The treatment.
    /// @param status Its status.
    error RecordRegistryTreatmentNotApproved(bytes32 treatmentId, TreatmentStatus status);
    /// @notice The current version is a clinician's: the patient or a guardian may not amend it, but may
    /// file an amendment request.
    /// @param recordId The record.
    /// @param version Its current version.
    error RecordRegistryClinicianVersion(bytes32 recordId, uint32 version);
    /// @notice The current version was written by the patient or a guardian, who may amend it directly.
    /// @param recordId The record.
    /// @param version Its current version.
    error RecordRegistryNotClinicianVersion(bytes32 recordId, uint32 version);
    /// @notice An amendment request with this id exists already.
    /// @param requestId The request.
    error RecordRegistryAmendmentRequestExists(bytes32 requestId);
    /// @notice No amendment request with this id.
    /// @param requestId The request.
    error RecordRegistryAmendmentRequestNotFound(bytes32 requestId);
    /// @notice The amendment request was answered already.
    /// @param requestId The request.
    /// @param status Its status.
    error RecordRegistryAmendmentRequestAnswered(bytes32 requestId, AmendmentStatus status);
    /// @notice The patient and guardians file amendment requests; a provider answers them.
    /// @param requestId The request.
    /// @param actor The caller.
    error RecordRegistryRequesterCannotAnswer(bytes32 requestId, address actor);
    /// @notice Only a verified provider may propose treatments.
    /// @param account The caller.
    error RecordRegistryNotVerifiedProvider(address account);

    /// @param consents The consent manager that decides who may write.
    /// @param directory The provider directory.
    constructor(ConsentManager consents, ProviderDirectory directory) {
        if (address(consents) == address(0) || address(directory) == address(0)) revert RecordRegistryZeroValue();
        _consents = consents;
        _directory = directory;
    }

    // ---------------------------------------------------------------- records

    /**
     * @notice Anchors a new record. For the patient, a guardian, or a verified provider holding an
     * active write consent for the category.
     * @param recordId A fresh identifier (random 32 bytes).
     * @param patient Whose record it is.
     * @param category Data category, ASCII left-aligned.
     * @param commitment keccak256(salt || canonical content).
     * @param treatmentId An approved treatment of the patient the record belongs to, or zero.
     */
    function anchorRecord(
        bytes32 recordId,
        address patient,
        bytes32 category,
        bytes32 commitment,
        bytes32 treatmentId
    ) external {
        if (recordId == bytes32(0) || patient == address(0) || commitment == bytes32(0)) revert RecordRegistryZeroValue();
        if (_records[recordId].version != 0) revert RecordRegistryRecordExists(recordId);
        bool byClinician = _checkWriter(patient, category);
        if (treatmentId != bytes32(0)) _checkApprovedTreatment(treatmentId, patient);
        _records[recordId] = RecordHead(recordBinding(patient, category, commitment), 1, false, byClinician);
        emit RecordAnchored(recordId, patient, category, msg.sender, commitment, treatmentId);
    }

    /**
     * @notice Appends a version to a record. Same writers as `anchorRecord`, except that the patient
     * and guardians amend only versions the patient or a guardian wrote (see `requestAmendment`).
     * @param recordId The record.
     * @param patient Its patient.
     * @param category Its category.
     * @param previousCommitment Its current commitment (the version being replaced).
     * @param commitment The new version's commitment.
     */
    function amendRecord(
        bytes32 recordId,
        address patient,
        bytes32 category,
        bytes32 previousCommitment,
        bytes32 commitment
    ) external {
        _amend(recordId, patient, category, previousCommitment, commitment);
    }

    /**
     * @notice The patient or a guardian asks to correct a clinician's current version of a record.
     * A provider with a write consent for the category accepts (`acceptAmendment`) or declines it.
     * @param requestId A fresh identifier (random 32 bytes).
     * @param recordId The record.
     * @param patient Its patient.
     * @param category Its category.
     * @param currentCommitment Its current commitment (the version to correct).
     * @param requestHash Hash of the off-chain request: the proposed change and the reason.
     */
    function requestAmendment(
        bytes32 requestId,
        bytes32 recordId,
        address patient,
        bytes32 category,
        bytes32 currentCommitment,
        bytes32 requestHash
    ) external {
        if (requestId == bytes32(0) || requestHash == bytes32(0)) revert RecordRegistryZeroValue();
        if (_amendmentRequests[requestId].status != AmendmentStatus.None) revert RecordRegistryAmendmentRequestExists(requestId);
        RecordHead memory head = _loadCurrent(recordId, patient, category, currentCommitment);
        if (!_consents.canActFor(patient, msg.sender)) revert RecordRegistryNotPatientOrGuardian(patient, msg.sender);
        if (!head.byClinician) revert RecordRegistryNotClinicianVersion(recordId, head.version);
        _amendmentRequests[requestId] = AmendmentRequest(recordId, patient, head.version, AmendmentStatus.Open, 0);
        emit AmendmentRequested(requestId, recordId, patient, msg.sender, head.version, requestHash);
    }

    /**
     * @notice A provider with a write consent for the record's category accepts an open amendment
     * request by amending the record (its new version is the provider's).
     * @param requestId The request.
     * @param category The record's category.
     * @param previousCommitment The record's current commitment.
     * @param commitment The new version's commitment.
     */
    function acceptAmendment(bytes32 requestId, bytes32 category, bytes32 previousCommitment, bytes32 commitment) external {
        AmendmentRequest storage request = _openRequest(requestId);
        uint32 version = _amend(request.recordId, request.patient, category, previousCommitment, commitment);
        request.status = AmendmentStatus.Accepted;
        request.answeredAt = uint40(block.timestamp);
        emit AmendmentRequestAnswered(requestId, request.recordId, msg.sender, true, version, bytes32(0));
    }

    /**
     * @notice A provider with a write consent for the record's category declines an open amendment
     * request, giving a reason (its text off-chain, its hash here).
     * @param requestId The request.
     * @param category The record's category.
     * @param currentCommitment The record's current commitment.
     * @param reasonHash Hash of the off-chain reason.
     */
    function declineAmendment(bytes32 requestId, bytes32 category, bytes32 currentCommitment, bytes32 reasonHash) external {
        if (reasonHash == bytes32(0)) revert RecordRegistryZeroValue();
        AmendmentRequest storage request = _openRequest(requestId);
        RecordHead memory head = _loadCurrent(request.recordId, request.patient, category, currentCommitment);
        _checkWriter(request.patient, category);
        request.status = AmendmentStatus.Declined;
        request.answeredAt = uint40(block.timestamp);
        emit AmendmentRequestAnswered(requestId, request.recordId, msg.sender, false, head.version, reasonHash);
    }

    /// @notice An amendment request as stored (status None when absent).
    /// @param requestId The request.
    /// @return The request.
    function amendmentRequestOf(bytes32 requestId) external view returns (AmendmentRequest memory) {
        return _amendmentRequests[requestId];
    }

    /**
     * @notice Marks a record erased, after its off-chain contents were crypto-shredded. For the patient
     * or a guardian. An erased record cannot change again.
     * @param recordId The record.
     * @param patient Its patient.
     * @param category Its category.
     * @param commitment Its current commitment.
     */
    function eraseRecord(bytes32 recordId, address patient, bytes32 category, bytes32 commitment) external {
        RecordHead memory head = _loadCurrent(recordId, patient, category, commitment);
        if (!_consents.canActFor(patient, msg.sender)) revert RecordRegistryNotPatientOrGuardian(patient, msg.sender);
        _records[recordId].erased = true;
        emit RecordErased(recordId, patient, msg.sender, head.version);
    }

    /// @notice A record's current version and erased flag, and the binding of its current commitment.
    /// @param recordId The record.
    /// @return The head (version 0 when the record does not exist).
    function recordHead(bytes32 recordId) external view returns (RecordHead memory) {
        return _records[recordId];
    }

    /**
     * @notice Checks a commitment against the chain: whether `commitment` is the current commitment of
     * record `recordId` of `patient` in `category`, and the record's current version.
     * @param recordId The record.
     * @param patient Its patient.
     * @param category Its category.
     * @param commitment The commitment recomputed from the content and salt.
     * @return current True when it is the current version's commitment and the record is not erased.
     * @return version The current version (0: not anchored).
     */
    function verifyCommitment(
        bytes32 recordId,
        address patient,
        bytes32 category,
        bytes32 commitment
    ) external view returns (bool current, uint32 version) {
        RecordHead memory head = _records[recordId];
        current = head.version != 0 && !head.erased && head.binding == recordBinding(patient, category, commitment);
        version = head.version;
    }

    /// @notice The 208-bit binding the registry stores for a record version.
    /// @param patient The patient.
    /// @param category The category.
    /// @param commitment The commitment.
    /// @return bytes26(keccak256(abi.encode(patient, category, commitment))).
    function recordBinding(address patient, bytes32 category, bytes32 commitment) public pure returns (bytes26) {
        return bytes26(keccak256(abi.encode(patient, category, commitment)));
    }

    // ---------------------------------------------------------------- treatments

    /**
     * @notice A verified provider proposes a treatment plan for a patient.
     * @param treatmentId A fresh identifier (random 32 bytes).
     * @param patient For whom.
     * @param planHash Hash of the off-chain plan document.
     */
    function proposeTreatment(bytes32 treatmentId, address patient, bytes32 planHash) external {
        if (treatmentId == bytes32(0) || patient == address(0) || planHash == bytes32(0)) revert RecordRegistryZeroValue();
        if (!_directory.isVerifiedProvider(msg.sender)) revert RecordRegistryNotVerifiedProvider(msg.sender);
        if (_treatments[treatmentId].status != TreatmentStatus.None) revert RecordRegistryTreatmentExists(treatmentId);
        _treatments[treatmentId] = Treatment(patient, TreatmentStatus.Proposed, 0);
        emit TreatmentProposed(treatmentId, patient, msg.sender, planHash);
    }

    /**
     * @notice The patient or a guardian approves or rejects a proposed treatment, once.
     * @param treatmentId The treatment.
     * @param approve True to approve, false to reject.
     */
    function decideTreatment(bytes32 treatmentId, bool approve) external {
        Treatment storage treatment = _treatments[treatmentId];
        TreatmentStatus status = treatment.status;
        if (status == TreatmentStatus.None) revert RecordRegistryTreatmentNotFound(treatmentId);
        if (status != TreatmentStatus.Proposed) revert RecordRegistryTreatmentAlreadyDecided(treatmentId, status);
        address patient = treatment.patient;
        if (!_consents.canActFor(patient, msg.sender)) revert RecordRegistryNotPatientOrGuardian(patient, msg.sender);
        treatment.status = approve ? TreatmentStatus.Approved : TreatmentStatus.Rejected;
        treatment.decidedAt = uint40(block.timestamp);
        emit TreatmentDecided(treatmentId, patient, msg.sender, approve);
    }

    /// @notice A treatment as stored (status None when absent).
    /// @param treatmentId The treatment.
    /// @return The treatment.
    function treatmentOf(bytes32 treatmentId) external view returns (Treatment memory) {
        return _treatments[treatmentId];
    }

    // ---------------------------------------------------------------- internals

    /// @dev Appends a version; the patient and guardians may not replace a clinician's version.
    function _amend(
        bytes32 recordId,
        address patient,
        bytes32 category,
        bytes32 previousCommitment,
        bytes32 commitment
    ) private returns (uint32 version) {
        if (commitment == bytes32(0)) revert RecordRegistryZeroValue();
        RecordHead memory head = _loadCurrent(recordId, patient, category, previousCommitment);
        bool byClinician = _checkWriter(patient, category);
        if (head.byClinician && !byClinician) revert RecordRegistryClinicianVersion(recordId, head.version);
        version = head.version + 1;
        _records[recordId] = RecordHead(recordBinding(patient, category, commitment), version, false, byClinician);
        emit RecordAmended(recordId, patient, msg.sender, version, previousCommitment, commitment);
    }

    /// @dev An open amendment request; answered only by a clinician (acceptAmendment's `_amend` and
    /// declineAmendment check the writer).
    function _openRequest(bytes32 requestId) private view returns (AmendmentRequest storage request) {
        request = _amendmentRequests[requestId];
        if (request.status == AmendmentStatus.None) revert RecordRegistryAmendmentRequestNotFound(requestId);
        if (request.status != AmendmentStatus.Open) revert RecordRegistryAmendmentRequestAnswered(requestId, request.status);
        if (_consents.canActFor(request.patient, msg.sender)) revert RecordRegistryRequesterCannotAnswer(requestId, msg.sender);
    }

    function _loadCurrent(
        bytes32 recordId,
        address patient,
        bytes32 category,
        bytes32 commitment
    ) private view returns (RecordHead memory head) {
        head = _records[recordId];
        if (head.version == 0) revert RecordRegistryRecordNotFound(recordId);
        if (head.erased) revert RecordRegistryRecordErased(recordId);
        if (head.binding != recordBinding(patient, category, commitment)) {
            revert RecordRegistryRecordMismatch(recordId, head.version);
        }
    }

    /// @dev Reverts unless the caller may write; returns whether it writes as a clinician (under a
    /// write consent) rather than as the patient or a guardian.
    function _checkWriter(address patient, bytes32 category) private view returns (bool byClinician) {
        if (msg.sender == patient || _consents.canActFor(patient, msg.sender)) return false;
        if (!_consents.hasAccess(patient, msg.sender, category, 2)) {
            revert RecordRegistryUnauthorizedWriter(patient, msg.sender, category);
        }
        return true;
    }

    function _checkApprovedTreatment(bytes32 treatmentId, address patient) private view {
        Treatment memory treatment = _treatments[treatmentId];
        if (treatment.status != TreatmentStatus.Approved || treatment.patient != patient) {
            revert RecordRegistryTreatmentNotApproved(treatmentId, treatment.status);
        }
    }
}
