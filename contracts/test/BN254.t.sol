// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {BN254} from "../BN254.sol";
import {Transcript} from "../Transcript.sol";
import {PairingHarness} from "./PairingHarness.sol";

/// forge tests for contracts/BN254.sol (no forge-std: plain `require`s; expected reverts go
/// through the external PairingHarness with try/catch).
contract BN254Test {
    PairingHarness internal h;

    uint256 internal constant R = BN254.R;
    uint256 internal constant Q = BN254.Q;

    // 2·G1 and 7·G1 (computed independently in Python).
    uint256 internal constant G2X = 0x030644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd3;
    uint256 internal constant G2Y = 0x15ed738c0e0a7c92e7845f96b2ae9c0a68a6a449e3538fc7ff3ebf7a5a18a2c4;
    uint256 internal constant G7X = 0x17072b2ed3bb8d759a5325f477629386cb6fc6ecb801bd76983a6b86abffe078;
    uint256 internal constant G7Y = 0x168ada6cd130dd52017bb54bfa19377aadfe3bf05d18f41b77809f7f60d4af9e;

    function setUp() public {
        h = new PairingHarness();
    }

    function test_ecAdd_G_plus_G_is_2G() public view {
        uint256[2] memory r = BN254.ecAdd(BN254.g1(), BN254.g1());
        require(r[0] == G2X && r[1] == G2Y, "G+G != 2G");
    }

    function test_ecMul_2G_and_7G() public view {
        uint256[2] memory r = BN254.ecMul(BN254.g1(), 2);
        require(r[0] == G2X && r[1] == G2Y, "2*G");
        r = BN254.ecMul(BN254.g1(), 7);
        require(r[0] == G7X && r[1] == G7Y, "7*G");
        // Scalars act mod r: (r + 7)·G = 7·G, r·G = infinity.
        r = BN254.ecMul(BN254.g1(), R + 7);
        require(r[0] == G7X && r[1] == G7Y, "(r+7)*G");
        r = BN254.ecMul(BN254.g1(), R);
        require(r[0] == 0 && r[1] == 0, "r*G");
    }

    function test_ecNeg_and_sub() public view {
        uint256[2] memory n = BN254.ecNeg(BN254.g1());
        require(n[0] == 1 && n[1] == Q - 2, "-G");
        uint256[2] memory z = BN254.ecAdd(BN254.g1(), n);
        require(z[0] == 0 && z[1] == 0, "G + -G");
        uint256[2] memory inf = BN254.ecNeg([uint256(0), uint256(0)]);
        require(inf[0] == 0 && inf[1] == 0, "-inf");
        uint256[2] memory d = BN254.ecSub([G7X, G7Y], BN254.ecMul(BN254.g1(), 5));
        require(d[0] == G2X && d[1] == G2Y, "7G - 5G");
    }

    function test_infinity_is_identity() public view {
        uint256[2] memory r = BN254.ecAdd([G7X, G7Y], [uint256(0), uint256(0)]);
        require(r[0] == G7X && r[1] == G7Y, "P + inf");
        r = BN254.ecMul([uint256(0), uint256(0)], 12345);
        require(r[0] == 0 && r[1] == 0, "k*inf");
    }

    function test_on_curve_checks() public pure {
        require(BN254.isOnCurveOrInfinity(1, 2), "G");
        require(BN254.isOnCurveOrInfinity(0, 0), "infinity");
        require(BN254.isOnCurveOrInfinity(G7X, G7Y), "7G");
        require(BN254.isOnCurveOrInfinity(1, Q - 2), "-G");
        require(!BN254.isOnCurveOrInfinity(1, 3), "off curve");
        require(!BN254.isOnCurveOrInfinity(0, 1), "x = 0");
        // Non-canonical coordinates of a valid point are rejected: (1 + q, 2), (1, 2 + q).
        require(!BN254.isOnCurveOrInfinity(1 + Q, 2), "x >= q");
        require(!BN254.isOnCurveOrInfinity(1, 2 + Q), "y >= q");
        require(!BN254.isOnCurveOrInfinity(Q, 0), "(q, 0)");
    }

    function test_off_curve_point_rejected() public view {
        try h.requireOnCurveOrInfinity(1, 3) {
            revert("requireOnCurveOrInfinity accepted (1, 3)");
        } catch (bytes memory err) {
            require(bytes4(err) == BN254.NotOnCurve.selector, "wrong error");
        }
        try h.ecAdd([uint256(1), uint256(3)], [uint256(1), uint256(2)]) returns (uint256[2] memory) {
            revert("ecAdd accepted an off-curve point");
        } catch (bytes memory err) {
            require(bytes4(err) == BN254.PrecompileFailed.selector, "wrong error");
        }
        try h.ecMul([uint256(1), uint256(3)], 2) returns (uint256[2] memory) {
            revert("ecMul accepted an off-curve point");
        } catch (bytes memory err) {
            require(bytes4(err) == BN254.PrecompileFailed.selector, "wrong error");
        }
    }

    function test_pairing_G1_G2_times_negG1_G2() public view {
        require(BN254.pairing2(BN254.g1(), BN254.g2(), BN254.ecNeg(BN254.g1()), BN254.g2()), "e(G,H)e(-G,H) != 1");
        require(h.selfTestPairing(), "harness self test");
        // e(2G, H) · e(-G, H)^2 is not expressible with 2 pairs; use e(7G, H) · e(-7G, H) = 1
        // and e(7G, H) · e(-2G, H) != 1.
        uint256[2] memory p7 = [G7X, G7Y];
        require(BN254.pairing2(p7, BN254.g2(), BN254.ecNeg(p7), BN254.g2()), "7G");
        require(!BN254.pairing2(p7, BN254.g2(), BN254.ecNeg([G2X, G2Y]), BN254.g2()), "7G vs 2G");
        // Mutated: e(G, H) · e(G, H) != 1.
        require(!BN254.pairing2(BN254.g1(), BN254.g2(), BN254.g1(), BN254.g2()), "mutated accepted");
        // Infinity pairs are neutral: e(inf, H) · e(inf, H) = 1.
        uint256[2] memory inf;
        require(BN254.pairing2(inf, BN254.g2(), inf, BN254.g2()), "inf");
    }

    function test_pairing_invalid_g2_reverts() public view {
        uint256[4] memory bad = BN254.g2();
        bad[3] = bad[3] + 1; // y.c0 + 1: not on the twist
        try h.pairing2(BN254.g1(), bad, BN254.ecNeg(BN254.g1()), BN254.g2()) returns (bool) {
            revert("pairing accepted an invalid G2 point");
        } catch (bytes memory err) {
            require(bytes4(err) == BN254.PrecompileFailed.selector, "wrong error");
        }
        // Off-curve G1 input.
        try h.pairing2([uint256(1), uint256(3)], BN254.g2(), BN254.g1(), BN254.g2()) returns (bool) {
            revert("pairing accepted an off-curve G1 point");
        } catch (bytes memory err) {
            require(bytes4(err) == BN254.PrecompileFailed.selector, "wrong error");
        }
    }

    function test_inverse_and_pow() public view {
        require(BN254.inverse(2) == 0x183227397098d014dc2822db40c0ac2e9419f4243cdcb848a1f0fac9f8000001, "1/2");
        require(BN254.inverse(3) == 0x2042def740cbc01bd03583cf0100e59370229adafbd0f5b62d414e62a0000001, "1/3");
        require(BN254.inverse(1) == 1, "1/1");
        require(BN254.inverse(R - 1) == R - 1, "1/-1");
        uint256 x = 0x1234567890abcdef1234567890abcdef1234567890abcdef1234567890abcdef % R;
        require(mulmod(BN254.inverse(x), x, R) == 1, "x/x");
        require(BN254.pow(7, 123456789) == 0x2e1dc4751e751b28f5b7a9986edb152224755f1bf38759ca9e77b653c6561b9f, "7^123456789");
        require(BN254.pow(5, 0) == 1, "5^0");
        require(BN254.pow(0, 0) == 1, "0^0");
        require(BN254.pow(0, 5) == 0, "0^5");
    }

    function test_inverse_of_zero_fails() public view {
        try h.inverse(0) returns (uint256) {
            revert("inverse(0) did not revert");
        } catch (bytes memory err) {
            require(bytes4(err) == BN254.NotInvertible.selector, "wrong error");
        }
        try h.inverse(R) returns (uint256) {
            revert("inverse(r) did not revert");
        } catch (bytes memory err) {
            require(bytes4(err) == BN254.NotInvertible.selector, "wrong error");
        }
        uint256[] memory xs = new uint256[](3);
        xs[0] = 2;
        xs[1] = 0;
        xs[2] = 3;
        try h.batchInverse(xs) returns (uint256[] memory) {
            revert("batchInverse with a zero did not revert");
        } catch (bytes memory err) {
            require(bytes4(err) == BN254.NotInvertible.selector, "wrong error");
        }
    }

    function test_batch_inverse() public view {
        uint256[] memory xs = new uint256[](4);
        xs[0] = 2;
        xs[1] = 3;
        xs[2] = R - 1;
        xs[3] = 0xdeadbeef;
        BN254.batchInverse(xs);
        require(xs[0] == BN254.inverse(2), "1/2");
        require(xs[1] == BN254.inverse(3), "1/3");
        require(xs[2] == R - 1, "1/-1");
        require(mulmod(xs[3], 0xdeadbeef, R) == 1, "1/x");
        BN254.batchInverse(new uint256[](0));
    }

    function test_fr_helpers() public pure {
        require(BN254.add(R - 1, 2) == 1, "add");
        require(BN254.sub(1, 2) == R - 1, "sub");
        require(BN254.sub(5, 0) == 5, "sub 0");
        require(BN254.mul(R - 1, R - 1) == 1, "mul");
        require(BN254.neg(0) == 0, "neg 0");
        require(BN254.neg(1) == R - 1, "neg 1");
    }

    function test_transcript_calldata_variants_match() public view {
        bytes32 s = Transcript.init(bytes32(uint256(42)));
        uint256[] memory ws = new uint256[](3);
        ws[0] = 1;
        ws[1] = R - 1;
        ws[2] = 77;
        require(h.absorbWordsCalldata(s, ws) == Transcript.absorbWords(s, ws), "words calldata");
        require(h.absorbWordsCalldata(s, new uint256[](0)) == Transcript.absorbWord(s, 0), "empty list = (0)");
        require(h.absorbCalldata(s, abi.encodePacked(uint256(G7X), uint256(G7Y))) == Transcript.absorbPoint(s, G7X, G7Y), "point");
        require(Transcript.absorbPoint(s, 1, 2) != Transcript.absorbWord(Transcript.absorbWord(s, 1), 2), "one absorb != two");
        try h.absorbCalldata(s, hex"00") returns (bytes32) {
            revert("absorbCalldata accepted 1 byte");
        } catch {}
        try h.absorbCalldata(s, "") returns (bytes32) {
            revert("absorbCalldata accepted 0 bytes");
        } catch {}
    }
}
