// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/**
 * @title SmartWalletMock
 * @notice For tests only: a contract wallet owned by one key, standing in for a patient's smart account.
 * It validates signatures through ERC-1271 and forwards calls from its owner.
 */
contract SmartWalletMock is IERC1271 {
    address private immutable _owner;

    /// @notice The caller is not the wallet's owner.
    /// @param caller The caller.
    error SmartWalletMockNotOwner(address caller);

    /// @param owner The key that controls the wallet.
    constructor(address owner) {
        _owner = owner;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && signer == _owner ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }

    /// @notice Calls `target` with `data` as the wallet; owner only. Bubbles reverts up.
    /// @param target The contract to call.
    /// @param data The calldata.
    function execute(address target, bytes calldata data) external {
        if (msg.sender != _owner) revert SmartWalletMockNotOwner(msg.sender);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) {
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
