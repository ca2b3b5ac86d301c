// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {ProviderDirectory} from "./ProviderDirectory.sol";

/**
 * @title ConsentManager
 * @notice A patient's decisions about who may see and write their health data: guardians who act for
 * the patient, consents to a grantee for a scope (a data category, or every category) with access
 * rights, a purpose of use and an expiry, and time-boxed emergency ("break-glass") access opened by a
 * verified provider. `hasAccess` answers, at the current block, whether an actor may read or write a
 * patient's data in a scope; the record registry and the API call it for every authorization decision.
 */
contract ConsentManager is AccessControl, EIP712, Nonces {
    /// @notice Access right: read.
    uint8 public constant ACCESS_READ = 1;
    /// @notice Access right: write (add or amend records).
    uint8 public constant ACCESS_WRITE = 2;
    /// @notice The scope value that stands for every data category.
    bytes32 public constant ALL_SCOPES = "*";
    /// @notice HL7 v3 PurposeOfUse code of emergency treatment, the purpose of break-glass reads.
    bytes16 public constant PURPOSE_EMERGENCY = "ETREAT";
    /// @notice Shortest and longest emergency access window an admin can configure.
    uint64 public constant MIN_EMERGENCY_WINDOW = 1 hours;
    uint64 public constant MAX_EMERGENCY_WINDOW = 72 hours;

    /// @notice EIP-712 type of a consent signed by the patient for anyone to relay. Scope and purpose are
    /// `string`s, so a wallet shows them as text ("Observation", "TREAT"), not as bytes.
    bytes32 public constant CONSENT_GRANT_TYPEHASH = keccak256(
        "ConsentGrant(address patient,address grantee,string scope,uint8 access,string purpose,"
        "uint64 expiresAt,uint256 nonce,uint256 deadline)"
    );

    uint64 private constant _NO_EXPIRY = type(uint64).max;
    uint8 private constant _ACCESS_ALL = ACCESS_READ | ACCESS_WRITE;

    /// @notice The terms of a consent: who grants whom what, for which purpose, until when.
    struct ConsentTerms {
        address patient;
        address grantee;
        bytes32 scope;
        uint8 access;
        bytes16 purpose;
        uint64 expiresAt;
    }

    /// @notice A consent as stored, in one slot; `expiresAt == 0` means none.
    struct Consent {
        uint64 expiresAt;
        uint8 access;
        bytes16 purpose;
        uint40 updatedAt;
    }

    ProviderDirectory private immutable _directory;
    uint64 private _emergencyWindow = 24 hours;

    mapping(bytes32 consentId => Consent) private _consents;
    mapping(address patient => mapping(address guardian => uint64 expiresAt)) private _guardians;
    mapping(address patient => mapping(address provider => uint64 expiresAt)) private _emergencyAccess;

    /// @notice A patient appointed a guardian, or changed an appointment's expiry.
    /// @param patient The patient.
    /// @param guardian The guardian, who may now act for the patient.
    /// @param expiresAt When the appointment ends (max uint64: never).
    event GuardianAppointed(address indexed patient, address indexed guardian, uint64 expiresAt);

    /// @notice A guardian appointment ended before its expiry.
    /// @param patient The patient.
    /// @param guardian The former guardian.
    /// @param removedBy The patient, or the guardian resigning.
    event GuardianRemoved(address indexed patient, address indexed guardian, address indexed removedBy);

    /// @notice A consent was granted, or replaced by new terms.
    /// @param consentId keccak256(abi.encode(patient, grantee, scope)).
    /// @param patient Whose data.
    /// @param grantee Who may access it.
    /// @param scope Data category, or ALL_SCOPES.
    /// @param access Bit set of ACCESS_READ and ACCESS_WRITE.
    /// @param purpose HL7 v3 PurposeOfUse code, ASCII left-aligned.
    /// @param expiresAt When the consent ends.
    /// @param grantedBy The patient or a guardian that sent the grant, or the patient whose EIP-712
    /// signature a relayer sent (then grantedBy differs from the transaction's sender).
    event ConsentGranted(
        bytes32 indexed consentId,
        address indexed patient,
        address indexed grantee,
        bytes32 scope,
        uint8 access,
        bytes16 purpose,
        uint64 expiresAt,
        address grantedBy
    );

    /// @notice A consent's expiry was moved; its other terms stay.
    /// @param consentId The consent.
    /// @param patient Whose data.
    /// @param grantee Who may access it.
    /// @param scope Data category, or ALL_SCOPES.
    /// @param expiresAt The new expiry.
    /// @param renewedBy The patient or a guardian.
    event ConsentRenewed(
        bytes32 indexed consentId,
        address indexed patient,
        address indexed grantee,
        bytes32 scope,
        uint64 expiresAt,
        address renewedBy
    );

    /// @notice A consent was revoked.
    /// @param consentId The consent.
    /// @param patient Whose data.
    /// @param grantee Who loses access.
    /// @param scope Data category, or ALL_SCOPES.
    /// @param revokedBy The patient or a guardian.
    event ConsentRevoked(
        bytes32 indexed consentId,
        address indexed patient,
        address indexed grantee,
        bytes32 scope,
        address revokedBy
    );

    /// @notice A verified provider opened emergency read access to a patient's data.
    /// @param patient The patient.
    /// @param provider The provider.
    /// @param reasonCode Why (e.g. "UNCONSCIOUS"), ASCII left-aligned.
    /// @param expiresAt When the access ends by itself.
    event EmergencyAccessOpened(
        address indexed patient,
        address indexed provider,
        bytes32 reasonCode,
        uint64 expiresAt
    );

    /// @notice Emergency access was closed before it expired.
    /// @param patient The patient.
    /// @param provider The provider.
    /// @param closedBy The patient, a guardian, or the provider.
    event EmergencyAccessClosed(address indexed patient, address indexed provider, address indexed closedBy);

    /// @notice The admin changed the emergency access window.
    /// @param previousWindow Seconds before.
    /// @param newWindow Seconds now.
    event EmergencyWindowChanged(uint64 previousWindow, uint64 newWindow);

    /// @notice An address argument is zero.
    error ConsentManagerZeroAddress();
    /// @notice `actor` is neither `patient` nor one of its active guardians.
    /// @param patient The patient.
    /// @param actor The caller.
    error ConsentManagerNotPatientOrGuardian(address patient, address actor);
    /// @notice Only the patient may appoint guardians.
    /// @param patient The caller, taken as the patient.
    /// @param guardian The proposed guardian.
    error ConsentManagerInvalidGuardian(address patient, address guardian);
    /// @notice `guardian` is not (or no longer) a guardian of `patient`.
    /// @param patient The patient.
    /// @param guardian The account.
    error ConsentManagerGuardianNotAppointed(address patient, address guardian);
    /// @notice The grantee is the zero address or the patient.
    /// @param grantee The grantee.
    error ConsentManagerInvalidGrantee(address grantee);
    /// @notice Access is not a non-empty set of ACCESS_READ and ACCESS_WRITE.
    /// @param access The value given.
    error ConsentManagerInvalidAccess(uint8 access);
    /// @notice A consent needs a purpose of use code.
    error ConsentManagerMissingPurpose();
    /// @notice The scope is zero; use a category or ALL_SCOPES.
    error ConsentManagerInvalidScope();
    /// @notice An expiry is not in the future.
    /// @param expiresAt The expiry given.
    /// @param now_ The block's timestamp.
    error ConsentManagerExpiryInPast(uint64 expiresAt, uint64 now_);
    /// @notice No consent (active or expired) exists for these parties and scope.
    /// @param consentId The consent.
    error ConsentManagerConsentNotFound(bytes32 consentId);
    /// @notice The signed consent's deadline has passed.
    /// @param deadline The deadline.
    error ConsentManagerSignatureExpired(uint256 deadline);
    /// @notice The signature is not the patient's (EOA or ERC-1271 wallet) over these terms and nonce.
    /// @param patient The patient.
    error ConsentManagerInvalidSignature(address patient);
    /// @notice Only a verified provider may do this.
    /// @param account The caller.
    error ConsentManagerNotVerifiedProvider(address account);
    /// @notice No emergency access is open for this patient and provider.
    /// @param patient The patient.
    /// @param provider The provider.
    error ConsentManagerNoEmergencyAccess(address patient, address provider);
    /// @notice Closing emergency access is for the patient, a guardian, or the provider.
    /// @param actor The caller.
    error ConsentManagerNotAllowedToClose(address actor);
    /// @notice The emergency window is outside [MIN_EMERGENCY_WINDOW, MAX_EMERGENCY_WINDOW].
    /// @param window The value given.
    error ConsentManagerEmergencyWindowOutOfRange(uint64 window);

    /// @param directory The provider directory that says who is verified.
    /// @param admin Account given the admin role (emergency window).
    constructor(ProviderDirectory directory, address admin) EIP712("HealthRecordsConsent", "1") {
        if (address(directory) == address(0) || admin == address(0)) revert ConsentManagerZeroAddress();
        _directory = directory;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- guardians

    /**
     * @notice The caller (a patient) appoints `guardian`, or changes the appointment's expiry.
     * @param guardian The guardian.
     * @param expiresAt When the appointment ends; 0 for never.
     */
    function appointGuardian(address guardian, uint64 expiresAt) external {
        if (guardian == address(0) || guardian == msg.sender) revert ConsentManagerInvalidGuardian(msg.sender, guardian);
        if (expiresAt == 0) {
            expiresAt = _NO_EXPIRY;
        } else {
            _checkFuture(expiresAt);
        }
        _guardians[msg.sender][guardian] = expiresAt;
        emit GuardianAppointed(msg.sender, guardian, expiresAt);
    }

    /**
     * @notice Ends a guardian appointment. The patient may remove any guardian; a guardian may resign.
     * @param patient The patient.
     * @param guardian The guardian.
     */
    function removeGuardian(address patient, address guardian) external {
        if (msg.sender != patient && msg.sender != guardian) revert ConsentManagerNotPatientOrGuardian(patient, msg.sender);
        if (_guardians[patient][guardian] == 0) revert ConsentManagerGuardianNotAppointed(patient, guardian);
        delete _guardians[patient][guardian];
        emit GuardianRemoved(patient, guardian, msg.sender);
    }

    /// @notice Whether `account` is an active guardian of `patient`.
    /// @param patient The patient.
    /// @param account The account.
    /// @return True when appointed and not expired.
    function isGuardian(address patient, address account) public view returns (bool) {
        return _guardians[patient][account] > block.timestamp;
    }

    /// @notice When the appointment of `guardian` for `patient` ends (0: none, max uint64: never).
    /// @param patient The patient.
    /// @param guardian The guardian.
    /// @return The expiry.
    function guardianExpiry(address patient, address guardian) external view returns (uint64) {
        return _guardians[patient][guardian];
    }

    /// @notice Whether `actor` may act as `patient`: the patient itself or an active guardian.
    /// @param patient The patient.
    /// @param actor The account.
    /// @return True when it may.
    function canActFor(address patient, address actor) public view returns (bool) {
        return actor == patient || isGuardian(patient, actor);
    }

    // ---------------------------------------------------------------- consents

    /**
     * @notice Grants a consent, or replaces the terms of an existing one. For the patient or a guardian.
     * @param terms Who, what, for which purpose, until when.
     */
    function grantConsent(ConsentTerms calldata terms) external {
        _checkActsFor(terms.patient);
        _grant(terms, msg.sender);
    }

    /**
     * @notice Grants a consent from the patient's EIP-712 signature; anyone may relay it. The signature
     * covers the terms, the patient's current nonce and a deadline, under this contract's domain (chain id,
     * address). Contract wallets sign through ERC-1271.
     * @param terms Who, what, for which purpose, until when.
     * @param deadline Last timestamp at which the signature is valid.
     * @param signature The patient's signature.
     */
    function grantConsentBySig(ConsentTerms calldata terms, uint256 deadline, bytes calldata signature) external {
        if (block.timestamp > deadline) revert ConsentManagerSignatureExpired(deadline);
        uint256 nonce = _useNonce(terms.patient);
        bytes32 digest = _hashTypedDataV4(
            keccak256(
                abi.encode(
                    CONSENT_GRANT_TYPEHASH,
                    terms.patient,
                    terms.grantee,
                    _hashCode(terms.scope),
                    terms.access,
                    _hashCode(bytes32(terms.purpose)),
                    terms.expiresAt,
                    nonce,
                    deadline
                )
            )
        );
        if (!SignatureChecker.isValidSignatureNow(terms.patient, digest, signature)) {
            revert ConsentManagerInvalidSignature(terms.patient);
        }
        // The relayer is the transaction's sender; `grantedBy` in ConsentGranted is the signing patient.
        _grant(terms, terms.patient);
    }

    /**
     * @notice Moves the expiry of an existing (active or expired) consent. For the patient or a guardian.
     * @param patient Whose data.
     * @param grantee Who may access it.
     * @param scope Data category, or ALL_SCOPES.
     * @param expiresAt The new expiry, in the future.
     */
    function renewConsent(address patient, address grantee, bytes32 scope, uint64 expiresAt) external {
        _checkActsFor(patient);
        _checkFuture(expiresAt);
        bytes32 id = consentId(patient, grantee, scope);
        Consent storage consent = _consents[id];
        if (consent.expiresAt == 0) revert ConsentManagerConsentNotFound(id);
        consent.expiresAt = expiresAt;
        consent.updatedAt = uint40(block.timestamp);
        emit ConsentRenewed(id, patient, grantee, scope, expiresAt, msg.sender);
    }

    /**
     * @notice Revokes a consent at once. For the patient or a guardian.
     * @param patient Whose data.
     * @param grantee Who loses access.
     * @param scope Data category, or ALL_SCOPES.
     */
    function revokeConsent(address patient, address grantee, bytes32 scope) external {
        _checkActsFor(patient);
        bytes32 id = consentId(patient, grantee, scope);
        if (_consents[id].expiresAt == 0) revert ConsentManagerConsentNotFound(id);
        delete _consents[id];
        emit ConsentRevoked(id, patient, grantee, scope, msg.sender);
    }

    /// @notice The identifier of the consent of `patient` to `grantee` for `scope`.
    /// @param patient Whose data.
    /// @param grantee Who may access it.
    /// @param scope Data category, or ALL_SCOPES.
    /// @return keccak256(abi.encode(patient, grantee, scope)).
    function consentId(address patient, address grantee, bytes32 scope) public pure returns (bytes32) {
        return keccak256(abi.encode(patient, grantee, scope));
    }

    /// @notice The stored consent (expiresAt 0 when there is none; it may have expired).
    /// @param patient Whose data.
    /// @param grantee Who may access it.
    /// @param scope Data category, or ALL_SCOPES.
    /// @return The consent.
    function consentOf(address patient, address grantee, bytes32 scope) external view returns (Consent memory) {
        return _consents[consentId(patient, grantee, scope)];
    }

    /// @notice The EIP-712 domain separator of this contract on this chain.
    /// @return The separator.
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- emergency access

    /**
     * @notice A verified provider opens read access to `patient` for the emergency window. Always logged.
     * @param patient The patient.
     * @param reasonCode Why, ASCII left-aligned (e.g. "UNCONSCIOUS").
     */
    function openEmergencyAccess(address patient, bytes32 reasonCode) external {
        if (patient == address(0)) revert ConsentManagerZeroAddress();
        if (!_directory.isVerifiedProvider(msg.sender)) revert ConsentManagerNotVerifiedProvider(msg.sender);
        uint64 expiresAt = uint64(block.timestamp) + _emergencyWindow;
        _emergencyAccess[patient][msg.sender] = expiresAt;
        emit EmergencyAccessOpened(patient, msg.sender, reasonCode, expiresAt);
    }

    /**
     * @notice Closes emergency access early. For the patient, a guardian, or the provider.
     * @param patient The patient.
     * @param provider The provider.
     */
    function closeEmergencyAccess(address patient, address provider) external {
        if (msg.sender != provider && !canActFor(patient, msg.sender)) revert ConsentManagerNotAllowedToClose(msg.sender);
        if (_emergencyAccess[patient][provider] <= block.timestamp) revert ConsentManagerNoEmergencyAccess(patient, provider);
        delete _emergencyAccess[patient][provider];
        emit EmergencyAccessClosed(patient, provider, msg.sender);
    }

    /// @notice Sets how long emergency access lasts. Admin only.
    /// @param window Seconds, within [MIN_EMERGENCY_WINDOW, MAX_EMERGENCY_WINDOW].
    function setEmergencyWindow(uint64 window) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (window < MIN_EMERGENCY_WINDOW || window > MAX_EMERGENCY_WINDOW) {
            revert ConsentManagerEmergencyWindowOutOfRange(window);
        }
        emit EmergencyWindowChanged(_emergencyWindow, window);
        _emergencyWindow = window;
    }

    /// @notice How long emergency access lasts, in seconds.
    /// @return The window.
    function emergencyWindow() external view returns (uint64) {
        return _emergencyWindow;
    }

    /// @notice When emergency access of `provider` to `patient` ends (0 or past: none open).
    /// @param patient The patient.
    /// @param provider The provider.
    /// @return The expiry.
    function emergencyAccessExpiry(address patient, address provider) external view returns (uint64) {
        return _emergencyAccess[patient][provider];
    }

    // ---------------------------------------------------------------- access decisions

    /**
     * @notice Whether `actor` may access `patient`'s data in `scope` with `access`, now, for any purpose.
     * Honours self, active guardians, open emergency access (read only, verified providers), active
     * consents for the scope or for ALL_SCOPES, and the directory (suspended grantees lose consents;
     * writing under a consent needs a verified provider).
     * @param patient Whose data.
     * @param actor Who wants access.
     * @param scope The data category.
     * @param access ACCESS_READ, ACCESS_WRITE or both.
     * @return True when allowed.
     */
    function hasAccess(address patient, address actor, bytes32 scope, uint8 access) external view returns (bool) {
        return _hasAccess(patient, actor, scope, access, bytes16(0));
    }

    /**
     * @notice As `hasAccess`, for one purpose of use: a consent counts only for its own purpose, and
     * emergency access only for PURPOSE_EMERGENCY.
     * @param patient Whose data.
     * @param actor Who wants access.
     * @param scope The data category.
     * @param access ACCESS_READ, ACCESS_WRITE or both.
     * @param purpose HL7 v3 PurposeOfUse code, ASCII left-aligned.
     * @return True when allowed.
     */
    function hasAccessForPurpose(
        address patient,
        address actor,
        bytes32 scope,
        uint8 access,
        bytes16 purpose
    ) external view returns (bool) {
        if (purpose == bytes16(0)) revert ConsentManagerMissingPurpose();
        return _hasAccess(patient, actor, scope, access, purpose);
    }

    function _hasAccess(
        address patient,
        address actor,
        bytes32 scope,
        uint8 access,
        bytes16 purpose
    ) private view returns (bool) {
        if (access == 0 || access & ~_ACCESS_ALL != 0) revert ConsentManagerInvalidAccess(access);
        if (canActFor(patient, actor)) return true;
        bool writing = access & ACCESS_WRITE != 0;
        if (writing) {
            if (!_directory.isVerifiedProvider(actor)) return false;
        } else {
            if (
                _emergencyAccess[patient][actor] > block.timestamp &&
                (purpose == bytes16(0) || purpose == PURPOSE_EMERGENCY) &&
                _directory.isVerifiedProvider(actor)
            ) return true;
            if (_directory.isSuspended(actor)) return false;
        }
        return
            _consentAllows(consentId(patient, actor, scope), access, purpose) ||
            (scope != ALL_SCOPES && _consentAllows(consentId(patient, actor, ALL_SCOPES), access, purpose));
    }

    function _consentAllows(bytes32 id, uint8 access, bytes16 purpose) private view returns (bool) {
        Consent memory consent = _consents[id];
        return
            consent.expiresAt > block.timestamp &&
            consent.access & access == access &&
            (purpose == bytes16(0) || consent.purpose == purpose);
    }

    function _grant(ConsentTerms calldata terms, address grantedBy) private returns (bytes32 id) {
        if (terms.patient == address(0)) revert ConsentManagerZeroAddress();
        if (terms.grantee == address(0) || terms.grantee == terms.patient) revert ConsentManagerInvalidGrantee(terms.grantee);
        if (terms.scope == bytes32(0)) revert ConsentManagerInvalidScope();
        if (terms.access == 0 || terms.access & ~_ACCESS_ALL != 0) revert ConsentManagerInvalidAccess(terms.access);
        if (terms.purpose == bytes16(0)) revert ConsentManagerMissingPurpose();
        _checkFuture(terms.expiresAt);
        id = consentId(terms.patient, terms.grantee, terms.scope);
        _consents[id] = Consent(terms.expiresAt, terms.access, terms.purpose, uint40(block.timestamp));
        emit ConsentGranted(
            id,
            terms.patient,
            terms.grantee,
            terms.scope,
            terms.access,
            terms.purpose,
            terms.expiresAt,
            grantedBy
        );
    }

    /// @dev keccak256 of the ASCII text left-aligned in `code`, up to its first zero byte: how EIP-712
    /// hashes the `string` a wallet shows.
    function _hashCode(bytes32 code) private pure returns (bytes32 hash) {
        uint256 length;
        while (length < 32 && code[length] != 0) ++length;
        assembly ("memory-safe") {
            mstore(0x00, code)
            hash := keccak256(0x00, length)
        }
    }

    function _checkActsFor(address patient) private view {
        if (!canActFor(patient, msg.sender)) revert ConsentManagerNotPatientOrGuardian(patient, msg.sender);
    }

    function _checkFuture(uint64 expiresAt) private view {
        if (expiresAt <= block.timestamp) revert ConsentManagerExpiryInPast(expiresAt, uint64(block.timestamp));
    }
}
