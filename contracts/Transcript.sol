// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title Transcript
/// @notice keccak256 Fiat–Shamir transcript, exactly as docs/spec.md §2 (zktorch-v1):
///   init(d)            s = keccak256("zktorch-v1" ‖ d)          (10 + 32 bytes)
///   absorb(w1..wk)     s = keccak256(s ‖ w1 ‖ … ‖ wk)           (k ≥ 1 words, 32-byte big-endian)
///     G1 point         one absorb of the two words (x, y)
///     scalar           one absorb of one word
///     list of n        one absorb of the n+1 words (n, v1, …, vn)
///   challenge()        s = keccak256(s); c = uint256(s) mod r
/// @dev The state is a plain bytes32 the caller threads through (s = Transcript.absorbWord(s, w)).
///      Hash inputs are built in scratch space (0x00..0x3f) or past the free-memory pointer,
///      which is never moved. `absorbWords` uses MCOPY (evmVersion >= cancun).
library Transcript {
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;

    /// A calldata absorb was given a byte length that is zero or not a multiple of 32.
    error BadAbsorbLength(uint256 length);

    /// @notice s = keccak256("zktorch-v1" ‖ vkDigest).
    function init(bytes32 vkDigest) internal pure returns (bytes32 s) {
        assembly ("memory-safe") {
            // Yul string literals are left-aligned: bytes 0..9 = "zktorch-v1".
            mstore(0x00, "zktorch-v1")
            mstore(0x0a, vkDigest) // bytes 10..41
            s := keccak256(0x00, 42)
        }
    }

    /// @notice Absorb one word (a scalar): s = keccak256(s ‖ w).
    function absorbWord(bytes32 s, uint256 w) internal pure returns (bytes32 out) {
        assembly ("memory-safe") {
            mstore(0x00, s)
            mstore(0x20, w)
            out := keccak256(0x00, 0x40)
        }
    }

    /// @notice Absorb a G1 point as one absorb of two words: s = keccak256(s ‖ x ‖ y).
    function absorbPoint(bytes32 s, uint256 x, uint256 y) internal pure returns (bytes32 out) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, s)
            mstore(add(m, 0x20), x)
            mstore(add(m, 0x40), y)
            out := keccak256(m, 0x60)
        }
    }

    /// @notice Absorb a list of n scalars as one absorb of the n+1 words (n, v1, …, vn).
    function absorbWords(bytes32 s, uint256[] memory ws) internal pure returns (bytes32 out) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, s)
            // A memory uint256[] is laid out as [n][v1]…[vn]: exactly the words to absorb.
            let len := mul(add(mload(ws), 1), 0x20)
            mcopy(add(m, 0x20), ws, len)
            out := keccak256(m, add(len, 0x20))
        }
    }

    /// @notice Same as `absorbWords` for a calldata array (e.g. the verifier's public instances).
    function absorbWordsCalldata(bytes32 s, uint256[] calldata ws) internal pure returns (bytes32 out) {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, s)
            mstore(add(m, 0x20), ws.length)
            let len := mul(ws.length, 0x20)
            calldatacopy(add(m, 0x40), ws.offset, len)
            out := keccak256(m, add(len, 0x40))
        }
    }

    /// @notice Absorb raw words straight from calldata as ONE absorb: s = keccak256(s ‖ data).
    ///         `data.length` must be a non-zero multiple of 32. E.g. a G1 point (64 bytes) read
    ///         from the proof gives the same state as `absorbPoint`.
    function absorbCalldata(bytes32 s, bytes calldata data) internal pure returns (bytes32 out) {
        if (data.length == 0 || data.length % 32 != 0) revert BadAbsorbLength(data.length);
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, s)
            calldatacopy(add(m, 0x20), data.offset, data.length)
            out := keccak256(m, add(data.length, 0x20))
        }
    }

    /// @notice Absorb a list of n = data.length / 32 words held as raw calldata (e.g. a run of
    ///         scalars inside a proof) as ONE absorb of the n+1 words (n, w1, …, wn):
    ///         s = keccak256(s ‖ n ‖ data). Same state as `absorbWords` on those words.
    ///         `data.length` must be a non-zero multiple of 32.
    function absorbListCalldata(bytes32 s, bytes calldata data) internal pure returns (bytes32 out) {
        if (data.length == 0 || data.length % 32 != 0) revert BadAbsorbLength(data.length);
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, s)
            mstore(add(m, 0x20), shr(5, data.length))
            calldatacopy(add(m, 0x40), data.offset, data.length)
            out := keccak256(m, add(data.length, 0x40))
        }
    }

    /// @notice Squeeze: s = keccak256(s); returns the new state and c = uint256(s) mod r.
    function challenge(bytes32 s) internal pure returns (bytes32 newState, uint256 c) {
        assembly ("memory-safe") {
            mstore(0x00, s)
            newState := keccak256(0x00, 0x20)
        }
        c = uint256(newState) % R;
    }
}
