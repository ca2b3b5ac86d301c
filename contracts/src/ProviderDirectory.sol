// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/**
 * @title ProviderDirectory
 * @notice The on-chain directory of care providers and researchers. A registrar verifies an account
 * as a provider or a researcher and can suspend it; other contracts and the API read its views.
 * Nothing personal is stored: only the account, its kind, its status and a credential hash whose
 * preimage (licence, institution) stays off-chain.
 */
contract ProviderDirectory is AccessControl {
    /// @notice Role allowed to verify and suspend members.
    bytes32 public constant REGISTRAR_ROLE = keccak256("REGISTRAR_ROLE");

    /// @notice What a member of the directory is.
    enum MemberKind {
        None,
        Provider,
        Researcher
    }

    /// @notice Where a member stands.
    enum MemberStatus {
        None,
        Verified,
        Suspended
    }

    /// @notice A directory entry, packed in one slot.
    struct Member {
        MemberKind kind;
        MemberStatus status;
        uint40 updatedAt;
    }

    mapping(address account => Member) private _members;

    /// @notice An account was verified (or reinstated) as a provider or researcher.
    /// @param account The member.
    /// @param kind Provider or researcher.
    /// @param credentialHash Hash of the off-chain credential the registrar checked.
    /// @param registrar Who verified it.
    event MemberVerified(
        address indexed account,
        MemberKind kind,
        bytes32 credentialHash,
        address indexed registrar
    );

    /// @notice A verified member was suspended.
    /// @param account The member.
    /// @param kind Provider or researcher.
    /// @param reasonCode Short code for why (e.g. "LICENCE_EXPIRED").
    /// @param registrar Who suspended it.
    event MemberSuspended(address indexed account, MemberKind kind, bytes32 reasonCode, address indexed registrar);

    /// @notice The account is the zero address.
    error ProviderDirectoryZeroAddress();
    /// @notice The kind given is `None`.
    error ProviderDirectoryInvalidKind();
    /// @notice The account is already in the directory as another kind.
    /// @param account The member.
    /// @param existing Its kind.
    error ProviderDirectoryKindMismatch(address account, MemberKind existing);
    /// @notice The account is already verified.
    /// @param account The member.
    error ProviderDirectoryAlreadyVerified(address account);
    /// @notice The account is not a verified member, so it cannot be suspended.
    /// @param account The account.
    error ProviderDirectoryNotVerified(address account);

    /// @param admin Account given the admin role (it can grant and revoke registrars).
    /// @param registrar Account given the registrar role.
    constructor(address admin, address registrar) {
        if (admin == address(0) || registrar == address(0)) revert ProviderDirectoryZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(REGISTRAR_ROLE, registrar);
    }

    /**
     * @notice Verifies `account` as a provider or researcher, or reinstates a suspended member.
     * @param account The account to verify.
     * @param kind Provider or researcher; a member keeps its kind for life.
     * @param credentialHash Hash of the credential checked off-chain.
     */
    function verifyMember(address account, MemberKind kind, bytes32 credentialHash) external onlyRole(REGISTRAR_ROLE) {
        if (account == address(0)) revert ProviderDirectoryZeroAddress();
        if (kind == MemberKind.None) revert ProviderDirectoryInvalidKind();
        Member memory member = _members[account];
        if (member.kind != MemberKind.None && member.kind != kind) {
            revert ProviderDirectoryKindMismatch(account, member.kind);
        }
        if (member.status == MemberStatus.Verified) revert ProviderDirectoryAlreadyVerified(account);
        _members[account] = Member(kind, MemberStatus.Verified, uint40(block.timestamp));
        emit MemberVerified(account, kind, credentialHash, msg.sender);
    }

    /**
     * @notice Suspends a verified member: it loses every right that needs verification.
     * @param account The member.
     * @param reasonCode Short code for why.
     */
    function suspendMember(address account, bytes32 reasonCode) external onlyRole(REGISTRAR_ROLE) {
        Member storage member = _members[account];
        if (member.status != MemberStatus.Verified) revert ProviderDirectoryNotVerified(account);
        member.status = MemberStatus.Suspended;
        member.updatedAt = uint40(block.timestamp);
        emit MemberSuspended(account, member.kind, reasonCode, msg.sender);
    }

    /// @notice The directory entry of `account` (kind None when absent).
    /// @param account The account.
    /// @return The entry.
    function memberOf(address account) external view returns (Member memory) {
        return _members[account];
    }

    /// @notice Whether `account` is a verified, not suspended provider.
    /// @param account The account.
    /// @return True when verified as a provider.
    function isVerifiedProvider(address account) external view returns (bool) {
        Member memory member = _members[account];
        return member.kind == MemberKind.Provider && member.status == MemberStatus.Verified;
    }

    /// @notice Whether `account` is a verified, not suspended researcher.
    /// @param account The account.
    /// @return True when verified as a researcher.
    function isVerifiedResearcher(address account) external view returns (bool) {
        Member memory member = _members[account];
        return member.kind == MemberKind.Researcher && member.status == MemberStatus.Verified;
    }

    /// @notice Whether `account` is in the directory and suspended.
    /// @param account The account.
    /// @return True when suspended.
    function isSuspended(address account) external view returns (bool) {
        return _members[account].status == MemberStatus.Suspended;
    }
}
