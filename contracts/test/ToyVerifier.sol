// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {BN254} from "../BN254.sol";

/// @notice A toy contract with the zktorch verifier interface, for the src/evm tests of
///         deploy/submit/call_verify: the "proof" is two G1 points (4 words, strictly parsed) and
///         it is accepted iff e(A, [1]_2) · e(B, [1]_2) == 1, i.e. B = -A. `instances` must be
///         empty. `submitProof` reverts on a rejected proof, as a real verifier must.
contract ToyVerifier {
    event ProofAccepted(address indexed submitter);

    error BadProofLength(uint256 length);

    function verifyProof(bytes calldata proof, uint256[] calldata instances) public view returns (bool) {
        if (proof.length != 128) revert BadProofLength(proof.length);
        require(instances.length == 0, "no instances");
        (uint256 ax, uint256 ay, uint256 bx, uint256 by) = abi.decode(proof, (uint256, uint256, uint256, uint256));
        BN254.requireOnCurveOrInfinity(ax, ay);
        BN254.requireOnCurveOrInfinity(bx, by);
        return BN254.pairing2([ax, ay], BN254.g2(), [bx, by], BN254.g2());
    }

    function submitProof(bytes calldata proof, uint256[] calldata instances) external returns (bool) {
        require(verifyProof(proof, instances), "proof rejected");
        emit ProofAccepted(msg.sender);
        return true;
    }
}
