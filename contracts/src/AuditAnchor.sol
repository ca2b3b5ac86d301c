// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

/**
 * @title AuditAnchor
 * @notice Anchors the Merkle roots of the API's access audit log. Each batch covers the entries of a time
 * interval; anyone holding an entry and its inclusion proof can check it against the root stored here.
 */
contract AuditAnchor is AccessControl {
    /// @notice Role of the API's auditor key.
    bytes32 public constant AUDITOR_ROLE = keccak256("AUDITOR_ROLE");

    /// @notice An anchored batch, in two slots.
    struct AuditBatch {
        bytes32 root;
        uint32 entryCount;
        uint64 fromTime;
        uint64 toTime;
        uint64 anchoredAt;
    }

    AuditBatch[] private _batches;

    /// @notice A batch of audit log entries was anchored.
    /// @param batchId Its index, from 0.
    /// @param root Merkle root of the entries.
    /// @param entryCount How many entries.
    /// @param fromTime Time of the first entry (seconds).
    /// @param toTime Time of the last entry (seconds).
    /// @param auditor Who anchored it.
    event AuditBatchAnchored(
        uint256 indexed batchId,
        bytes32 indexed root,
        uint32 entryCount,
        uint64 fromTime,
        uint64 toTime,
        address indexed auditor
    );

    /// @notice The root is zero or the batch is empty.
    error AuditAnchorEmptyBatch();
    /// @notice The interval is inverted or ends in the future.
    /// @param fromTime Start.
    /// @param toTime End.
    error AuditAnchorInvalidInterval(uint64 fromTime, uint64 toTime);
    /// @notice No batch with this id.
    /// @param batchId The id.
    error AuditAnchorBatchNotFound(uint256 batchId);
    /// @notice An address argument is zero.
    error AuditAnchorZeroAddress();

    /// @param admin Account given the admin role (it can grant and revoke auditors).
    /// @param auditor The API's auditor key.
    constructor(address admin, address auditor) {
        if (admin == address(0) || auditor == address(0)) revert AuditAnchorZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(AUDITOR_ROLE, auditor);
    }

    /**
     * @notice Anchors a batch. Auditor only.
     * @param root Merkle root of the entries.
     * @param entryCount How many entries.
     * @param fromTime Time of the first entry.
     * @param toTime Time of the last entry, not in the future.
     * @return batchId The new batch's id.
     */
    function anchorAuditBatch(
        bytes32 root,
        uint32 entryCount,
        uint64 fromTime,
        uint64 toTime
    ) external onlyRole(AUDITOR_ROLE) returns (uint256 batchId) {
        if (root == bytes32(0) || entryCount == 0) revert AuditAnchorEmptyBatch();
        if (fromTime > toTime || toTime > block.timestamp) revert AuditAnchorInvalidInterval(fromTime, toTime);
        batchId = _batches.length;
        _batches.push(AuditBatch(root, entryCount, fromTime, toTime, uint64(block.timestamp)));
        emit AuditBatchAnchored(batchId, root, entryCount, fromTime, toTime, msg.sender);
    }

    /// @notice An anchored batch.
    /// @param batchId Its id.
    /// @return The batch.
    function batchOf(uint256 batchId) external view returns (AuditBatch memory) {
        if (batchId >= _batches.length) revert AuditAnchorBatchNotFound(batchId);
        return _batches[batchId];
    }

    /// @notice How many batches were anchored.
    /// @return The count.
    function batchCount() external view returns (uint256) {
        return _batches.length;
    }
}
