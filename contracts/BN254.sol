// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// @title BN254
/// @notice Checked wrappers around the BN254 precompiles (EIP-196/197, EIP-198) and helpers for
///         the scalar field Fr. Encodings follow docs/spec.md §1: words are 32-byte big-endian,
///         a G1 point is (x, y) with the point at infinity as (0, 0), and a G2 point is passed to
///         the pairing precompile as (x.c1, x.c0, y.c1, y.c0) (imaginary part first).
/// @dev    Every precompile call checks its success flag and reverts with `PrecompileFailed` if
///         the precompile rejected its input (e.g. a point that is not on the curve). Inline
///         assembly only builds precompile inputs in scratch memory past the free-memory pointer,
///         which it never moves (so it is "memory-safe").
library BN254 {
    /// Scalar field modulus r (order of G1/G2).
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// Base field modulus q.
    uint256 internal constant Q = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;

    /// [1]_2, the G2 generator, in precompile order (x.c1, x.c0, y.c1, y.c0).
    uint256 internal constant G2_X_C1 = 0x198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2;
    uint256 internal constant G2_X_C0 = 0x1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed;
    uint256 internal constant G2_Y_C1 = 0x090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b;
    uint256 internal constant G2_Y_C0 = 0x12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa;

    /// A precompile call failed (`precompile` is its address: 5, 6, 7 or 8).
    error PrecompileFailed(uint256 precompile);
    /// Inversion of zero (mod r) was requested.
    error NotInvertible();
    /// A G1 point failed `isOnCurveOrInfinity`.
    error NotOnCurve();
    /// A scalar is not canonical (>= r).
    error NotInField();

    // ---------------------------------------------------------------------------------------
    // G1
    // ---------------------------------------------------------------------------------------

    /// @notice The G1 generator (1, 2).
    function g1() internal pure returns (uint256[2] memory) {
        return [uint256(1), uint256(2)];
    }

    /// @notice [1]_2 in precompile order.
    function g2() internal pure returns (uint256[4] memory) {
        return [G2_X_C1, G2_X_C0, G2_Y_C1, G2_Y_C0];
    }

    /// @notice a + b in G1 (precompile 0x06). Reverts if either input is not a valid point.
    function ecAdd(uint256[2] memory a, uint256[2] memory b) internal view returns (uint256[2] memory r) {
        bool ok;
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, mload(a))
            mstore(add(p, 0x20), mload(add(a, 0x20)))
            mstore(add(p, 0x40), mload(b))
            mstore(add(p, 0x60), mload(add(b, 0x20)))
            ok := staticcall(gas(), 0x06, p, 0x80, r, 0x40)
        }
        if (!ok) revert PrecompileFailed(6);
    }

    /// @notice s·p in G1 (precompile 0x07). Any 256-bit `s` is accepted (the precompile reduces
    ///         it implicitly, as s·p = (s mod r)·p). Reverts if `p` is not a valid point.
    function ecMul(uint256[2] memory p, uint256 s) internal view returns (uint256[2] memory r) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(p))
            mstore(add(m, 0x20), mload(add(p, 0x20)))
            mstore(add(m, 0x40), s)
            ok := staticcall(gas(), 0x07, m, 0x60, r, 0x40)
        }
        if (!ok) revert PrecompileFailed(7);
    }

    /// @notice -p in G1; the point at infinity (0, 0) maps to itself. Expects y < q.
    function ecNeg(uint256[2] memory p) internal pure returns (uint256[2] memory) {
        if (p[0] == 0 && p[1] == 0) return p;
        return [p[0], (Q - (p[1] % Q)) % Q];
    }

    /// @notice a - b in G1.
    function ecSub(uint256[2] memory a, uint256[2] memory b) internal view returns (uint256[2] memory) {
        return ecAdd(a, ecNeg(b));
    }

    /// @notice True iff (x, y) is the point at infinity (0, 0), or both coordinates are
    ///         canonical (< q) and y² = x³ + 3 (mod q). (G1 has cofactor 1, so on-curve implies
    ///         in the subgroup.)
    function isOnCurveOrInfinity(uint256 x, uint256 y) internal pure returns (bool) {
        if (x == 0 && y == 0) return true;
        if (x >= Q || y >= Q) return false;
        return mulmod(y, y, Q) == addmod(mulmod(mulmod(x, x, Q), x, Q), 3, Q);
    }

    /// @notice Reverts with `NotOnCurve` unless `isOnCurveOrInfinity(x, y)`.
    function requireOnCurveOrInfinity(uint256 x, uint256 y) internal pure {
        if (!isOnCurveOrInfinity(x, y)) revert NotOnCurve();
    }

    /// @notice e(a1, b1) · e(a2, b2) == 1, with one call to the pairing precompile 0x08 on
    ///         exactly two pairs. G2 points are in precompile order (x.c1, x.c0, y.c1, y.c0).
    ///         Reverts if the precompile rejects an input (invalid point, G2 not in subgroup).
    function pairing2(uint256[2] memory a1, uint256[4] memory b1, uint256[2] memory a2, uint256[4] memory b2)
        internal
        view
        returns (bool)
    {
        bool ok;
        uint256 out;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, mload(a1))
            mstore(add(m, 0x20), mload(add(a1, 0x20)))
            mstore(add(m, 0x40), mload(b1))
            mstore(add(m, 0x60), mload(add(b1, 0x20)))
            mstore(add(m, 0x80), mload(add(b1, 0x40)))
            mstore(add(m, 0xa0), mload(add(b1, 0x60)))
            mstore(add(m, 0xc0), mload(a2))
            mstore(add(m, 0xe0), mload(add(a2, 0x20)))
            mstore(add(m, 0x100), mload(b2))
            mstore(add(m, 0x120), mload(add(b2, 0x20)))
            mstore(add(m, 0x140), mload(add(b2, 0x40)))
            mstore(add(m, 0x160), mload(add(b2, 0x60)))
            // Output goes to scratch space 0x00..0x1f.
            ok := staticcall(gas(), 0x08, m, 0x180, 0x00, 0x20)
            out := mload(0x00)
        }
        if (!ok) revert PrecompileFailed(8);
        return out == 1;
    }

    // ---------------------------------------------------------------------------------------
    // Fr (scalar field) helpers. Inputs are expected canonical (< r); outputs always are.
    // ---------------------------------------------------------------------------------------

    /// @notice Reverts with `NotInField` unless a < r.
    function requireFr(uint256 a) internal pure {
        if (a >= R) revert NotInField();
    }

    function add(uint256 a, uint256 b) internal pure returns (uint256) {
        return addmod(a, b, R);
    }

    function sub(uint256 a, uint256 b) internal pure returns (uint256) {
        return addmod(a, R - (b % R), R);
    }

    function mul(uint256 a, uint256 b) internal pure returns (uint256) {
        return mulmod(a, b, R);
    }

    function neg(uint256 a) internal pure returns (uint256) {
        return (R - (a % R)) % R;
    }

    /// @notice base^exponent mod r via the modexp precompile 0x05.
    function pow(uint256 base, uint256 exponent) internal view returns (uint256 result) {
        bool ok;
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, 0x20) // length of base
            mstore(add(m, 0x20), 0x20) // length of exponent
            mstore(add(m, 0x40), 0x20) // length of modulus
            mstore(add(m, 0x60), base)
            mstore(add(m, 0x80), exponent)
            mstore(add(m, 0xa0), R)
            ok := staticcall(gas(), 0x05, m, 0xc0, 0x00, 0x20)
            result := mload(0x00)
        }
        if (!ok) revert PrecompileFailed(5);
    }

    /// @notice a^{-1} mod r. Reverts with `NotInvertible` if a ≡ 0 (mod r): modexp would
    ///         silently return 0 there.
    function inverse(uint256 a) internal view returns (uint256) {
        if (a % R == 0) revert NotInvertible();
        return pow(a, R - 2);
    }

    /// @notice Inverts every element of `xs` in place with one modexp (Montgomery's trick).
    ///         Reverts with `NotInvertible` if any element is ≡ 0 (mod r).
    function batchInverse(uint256[] memory xs) internal view {
        uint256 n = xs.length;
        if (n == 0) return;
        uint256[] memory prefix = new uint256[](n);
        uint256 acc = 1;
        for (uint256 i = 0; i < n; i++) {
            uint256 x = xs[i] % R;
            if (x == 0) revert NotInvertible();
            prefix[i] = acc;
            acc = mulmod(acc, x, R);
        }
        uint256 inv = pow(acc, R - 2); // acc != 0: every factor is non-zero and r is prime
        for (uint256 i = n; i > 0;) {
            unchecked {
                i--;
            }
            uint256 x = xs[i] % R;
            xs[i] = mulmod(inv, prefix[i], R);
            inv = mulmod(inv, x, R);
        }
    }
}
