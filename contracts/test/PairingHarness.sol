// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {BN254} from "../BN254.sol";
import {Transcript} from "../Transcript.sol";

/// @notice Exposes the BN254 and Transcript libraries as external functions, for the forge
///         tests (contracts/test/*.t.sol) and the Rust tests in src/evm (deployed to anvil).
contract PairingHarness {
    // ---- BN254 ----
    function ecAdd(uint256[2] memory a, uint256[2] memory b) external view returns (uint256[2] memory) {
        return BN254.ecAdd(a, b);
    }

    function ecMul(uint256[2] memory p, uint256 s) external view returns (uint256[2] memory) {
        return BN254.ecMul(p, s);
    }

    function ecNeg(uint256[2] memory p) external pure returns (uint256[2] memory) {
        return BN254.ecNeg(p);
    }

    function isOnCurveOrInfinity(uint256 x, uint256 y) external pure returns (bool) {
        return BN254.isOnCurveOrInfinity(x, y);
    }

    function requireOnCurveOrInfinity(uint256 x, uint256 y) external pure {
        BN254.requireOnCurveOrInfinity(x, y);
    }

    function pairing2(uint256[2] memory a1, uint256[4] memory b1, uint256[2] memory a2, uint256[4] memory b2)
        external
        view
        returns (bool)
    {
        return BN254.pairing2(a1, b1, a2, b2);
    }

    /// @notice pairing2 plus the gas spent inside the library call (precompile + encoding).
    function pairing2Gas(uint256[2] memory a1, uint256[4] memory b1, uint256[2] memory a2, uint256[4] memory b2)
        external
        view
        returns (bool ok, uint256 gasUsed)
    {
        uint256 g = gasleft();
        ok = BN254.pairing2(a1, b1, a2, b2);
        gasUsed = g - gasleft();
    }

    /// @notice e(G1, G2) · e(-G1, G2) == 1 with the built-in generators.
    function selfTestPairing() external view returns (bool) {
        return BN254.pairing2(BN254.g1(), BN254.g2(), BN254.ecNeg(BN254.g1()), BN254.g2());
    }

    function inverse(uint256 a) external view returns (uint256) {
        return BN254.inverse(a);
    }

    function pow(uint256 b, uint256 e) external view returns (uint256) {
        return BN254.pow(b, e);
    }

    function batchInverse(uint256[] memory xs) external view returns (uint256[] memory) {
        BN254.batchInverse(xs);
        return xs;
    }

    function frAdd(uint256 a, uint256 b) external pure returns (uint256) {
        return BN254.add(a, b);
    }

    function frSub(uint256 a, uint256 b) external pure returns (uint256) {
        return BN254.sub(a, b);
    }

    function frMul(uint256 a, uint256 b) external pure returns (uint256) {
        return BN254.mul(a, b);
    }

    function frNeg(uint256 a) external pure returns (uint256) {
        return BN254.neg(a);
    }

    // ---- Transcript ----
    function transcriptInit(bytes32 vkDigest) external pure returns (bytes32) {
        return Transcript.init(vkDigest);
    }

    function absorbWord(bytes32 s, uint256 w) external pure returns (bytes32) {
        return Transcript.absorbWord(s, w);
    }

    function absorbPoint(bytes32 s, uint256 x, uint256 y) external pure returns (bytes32) {
        return Transcript.absorbPoint(s, x, y);
    }

    function absorbWords(bytes32 s, uint256[] memory ws) external pure returns (bytes32) {
        return Transcript.absorbWords(s, ws);
    }

    function absorbWordsCalldata(bytes32 s, uint256[] calldata ws) external pure returns (bytes32) {
        return Transcript.absorbWordsCalldata(s, ws);
    }

    function absorbCalldata(bytes32 s, bytes calldata data) external pure returns (bytes32) {
        return Transcript.absorbCalldata(s, data);
    }

    function challenge(bytes32 s) external pure returns (bytes32 newState, uint256 c) {
        return Transcript.challenge(s);
    }
}
