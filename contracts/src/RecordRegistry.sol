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
 * Storage is one slot per record: its version, an erased flag and a 216-bit binding of
 * (patient, category, current commitment). The full commitment, patient, category and author of every
 * version are in the events (and so in the subgraph); callers that amend or erase state the record's
 * patient, category and current commitment, which the binding checks. Keeping one slot is what holds an
 * anchor near the cost of a bare event (see `npm run bench:gas`).
 */
contract RecordRegistry {
    /// @notice A record's on-chain state, in one slot.
    struct RecordHead {
        /// @dev bytes27(keccak256(abi.encode(patient, category, commitment))) of the current version.
        bytes27 binding;
        /// @dev 1 for the first anchor, +1 per amendment; 0 when the record does not exist.
        uint32 version;
        bool erased;
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
        _checkWriter(patient, category);
        if (treatmentId != bytes32(0)) _checkApprovedTreatment(treatmentId, patient);
        _records[recordId] = RecordHead(recordBinding(patient, category, commitment), 1, false);
        emit RecordAnchored(recordId, patient, category, msg.sender, commitment, treatmentId);
    }

    /**
     * @notice Appends a version to a record. Same writers as `anchorRecord`.
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
        if (commitment == bytes32(0)) revert RecordRegistryZeroValue();
        RecordHead memory head = _loadCurrent(recordId, patient, category, previousCommitment);
        _checkWriter(patient, category);
        uint32 version = head.version + 1;
        _records[recordId] = RecordHead(recordBinding(patient, category, commitment), version, false);
        emit RecordAmended(recordId, patient, msg.sender, version, previousCommitment, commitment);
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

    /// @notice The 216-bit binding the registry stores for a record version.
    /// @param patient The patient.
    /// @param category The category.
    /// @param commitment The commitment.
    /// @return bytes27(keccak256(abi.encode(patient, category, commitment))).
    function recordBinding(address patient, bytes32 category, bytes32 commitment) public pure returns (bytes27) {
        return bytes27(keccak256(abi.encode(patient, category, commitment)));
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

    function _checkWriter(address patient, bytes32 category) private view {
        if (msg.sender != patient && !_consents.hasAccess(patient, msg.sender, category, 2)) {
            revert RecordRegistryUnauthorizedWriter(patient, msg.sender, category);
        }
    }

    function _checkApprovedTreatment(bytes32 treatmentId, address patient) private view {
        Treatment memory treatment = _treatments[treatmentId];
        if (treatment.status != TreatmentStatus.Approved || treatment.patient != patient) {
            revert RecordRegistryTreatmentNotApproved(treatmentId, treatment.status);
        }
    }
}
