// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {Transcript} from "../Transcript.sol";

/// Calls `Transcript.absorbListCalldata` with a real calldata argument.
contract TranscriptListHarness {
    function absorbListCalldata(bytes32 s, bytes calldata data) external pure returns (bytes32) {
        return Transcript.absorbListCalldata(s, data);
    }
}

/// forge tests for `Transcript.absorbListCalldata` (used by the generated verifier to absorb the
/// proof's evaluations as one list): same state as `absorbWords` on the same words, and a bad
/// length reverts.
contract TranscriptListTest {
    TranscriptListHarness internal h;

    function setUp() public {
        h = new TranscriptListHarness();
    }

    function test_absorbListCalldata_matches_absorbWords() public view {
        bytes32 s = Transcript.init(bytes32(uint256(0x1234)));
        for (uint256 n = 1; n <= 30; n += 7) {
            uint256[] memory ws = new uint256[](n);
            bytes memory raw = new bytes(32 * n);
            for (uint256 i = 0; i < n; i++) {
                ws[i] = uint256(keccak256(abi.encode(n, i)));
                uint256 w = ws[i];
                assembly ("memory-safe") {
                    mstore(add(add(raw, 0x20), mul(i, 0x20)), w)
                }
            }
            // absorbWords hashes s ‖ n ‖ w1 … wn, exactly the list absorb of docs/spec.md §2.
            require(h.absorbListCalldata(s, raw) == Transcript.absorbWords(s, ws), "list absorb mismatch");
        }
    }

    function test_absorbListCalldata_rejects_bad_lengths() public view {
        bool reverted;
        try h.absorbListCalldata(bytes32(0), new bytes(0)) returns (bytes32) {} catch { reverted = true; }
        require(reverted, "empty list accepted");
        reverted = false;
        try h.absorbListCalldata(bytes32(0), new bytes(33)) returns (bytes32) {} catch { reverted = true; }
        require(reverted, "33-byte list accepted");
    }
}
