#!/usr/bin/env python3
"""Generate the shared keccak transcript test vectors (docs/spec.md §2, zktorch-v1).

Writes:
  tests/vectors/transcript.json             read by the Rust transcript tests and by the
                                            src/evm tests (which replay it on-chain)
  contracts/test/TranscriptVectors.t.sol    forge test with the same vectors hard-coded

Run from anywhere:  python3 tests/vectors/make_transcript_vectors.py
Needs a keccak256: pycryptodome (`pip install pycryptodome`), or pysha3, or eth-hash[pycryptodome].
(Python's hashlib.sha3_256 is NOT keccak256: the padding differs.)

JSON layout:
{
  "spec": ..., "r": "0x..",
  "vectors": [
    { "name": str,
      "vk_digest": "0x<64 hex>",
      "init_state": "0x..",                        # s after init(vk_digest)
      "ops": [                                     # applied in order after init
        {"op": "absorb_word",  "word": "0x.."},    # one absorb of 1 word
        {"op": "absorb_point", "x": "0x..", "y": "0x.."},   # one absorb of 2 words
        {"op": "absorb_words", "words": ["0x..", ...]},     # one absorb of n+1 words (n, w1..wn)
        {"op": "challenge", "state": "0x..", "challenge": "0x.."}   # expected s and c after it
      ],
      "final_state": "0x.." }
  ]
}
Every word is a 32-byte big-endian value written as 0x + 64 lowercase hex digits.
"""
import json
import os
import sys

R = 0x30644E72E131A029B85045B68181585D2833E84879B9709143E1F593F0000001
Q = 0x30644E72E131A029B85045B68181585D97816A916871CA8D3C208C16D87CFD47


def keccak256(data: bytes) -> bytes:
    try:
        from Crypto.Hash import keccak  # pycryptodome

        h = keccak.new(digest_bits=256)
        h.update(data)
        return h.digest()
    except ImportError:
        pass
    try:
        import sha3  # pysha3

        return sha3.keccak_256(data).digest()
    except ImportError:
        pass
    try:
        from eth_hash.auto import keccak  # eth-hash

        return keccak(data)
    except ImportError:
        pass
    sys.exit("need a keccak256 implementation: pip install pycryptodome")


# Sanity check of the hash function itself (keccak256 of the empty string).
assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def w(x: int) -> bytes:
    assert 0 <= x < 2**256
    return x.to_bytes(32, "big")


def hx(x: int) -> str:
    return "0x" + format(x, "064x")


# --- G1 arithmetic, only to produce genuine points for the vectors -------------------------
def g1_add(p, q):
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2 and (y1 + y2) % Q == 0:
        return None
    if p == q:
        lam = 3 * x1 * x1 * pow(2 * y1, -1, Q) % Q
    else:
        lam = (y2 - y1) * pow(x2 - x1, -1, Q) % Q
    x3 = (lam * lam - x1 - x2) % Q
    return (x3, (lam * (x1 - x3) - y1) % Q)


def g1_mul(p, k):
    acc = None
    while k:
        if k & 1:
            acc = g1_add(acc, p)
        p = g1_add(p, p)
        k >>= 1
    return acc


def affine(p):
    return (0, 0) if p is None else p


G = (1, 2)


# --- The transcript, exactly as docs/spec.md §2 --------------------------------------------
class Transcript:
    def __init__(self, vk_digest: int):
        self.s = keccak256(b"zktorch-v1" + w(vk_digest))

    def absorb(self, *words: int):
        assert len(words) >= 1
        self.s = keccak256(self.s + b"".join(w(x) for x in words))

    def absorb_point(self, x: int, y: int):
        self.absorb(x, y)

    def absorb_words(self, ws):
        self.absorb(len(ws), *ws)

    def challenge(self) -> int:
        self.s = keccak256(self.s)
        return int.from_bytes(self.s, "big") % R


def run(name, vk_digest, ops):
    t = Transcript(vk_digest)
    out_ops = []
    init_state = "0x" + t.s.hex()
    for op in ops:
        kind = op[0]
        if kind == "word":
            t.absorb(op[1])
            out_ops.append({"op": "absorb_word", "word": hx(op[1])})
        elif kind == "point":
            x, y = op[1]
            t.absorb_point(x, y)
            out_ops.append({"op": "absorb_point", "x": hx(x), "y": hx(y)})
        elif kind == "words":
            t.absorb_words(op[1])
            out_ops.append({"op": "absorb_words", "words": [hx(v) for v in op[1]]})
        elif kind == "challenge":
            c = t.challenge()
            out_ops.append({"op": "challenge", "state": "0x" + t.s.hex(), "challenge": hx(c)})
        else:
            raise ValueError(kind)
    return {
        "name": name,
        "vk_digest": hx(vk_digest),
        "init_state": init_state,
        "ops": out_ops,
        "final_state": "0x" + t.s.hex(),
    }


def signed(v: int) -> int:
    """Signed fixed-point integer -> field element (docs/spec.md §1)."""
    return v % R


def vectors():
    vk1 = int.from_bytes(keccak256(b"zktorch transcript test vk 1"), "big")
    g2 = affine(g1_mul(G, 2))
    g7 = affine(g1_mul(G, 7))
    neg_g = (1, Q - 2)
    big = int.from_bytes(keccak256(b"zktorch big scalar"), "big") % R
    return [
        run(
            "basic",
            vk1,
            [
                ("challenge",),
                ("word", 0),
                ("word", 1),
                ("challenge",),
                ("point", G),
                ("challenge",),
                ("challenge",),
            ],
        ),
        run(
            "points_and_lists",
            0,
            [
                ("point", (0, 0)),
                ("point", g2),
                ("words", []),
                ("challenge",),
                ("words", [0, 1, R - 1, big]),
                ("point", neg_g),
                ("challenge",),
                ("challenge",),
                ("challenge",),
            ],
        ),
        run(
            "instances_like",
            2**256 - 1,
            [
                ("words", [signed(v) for v in [3, -3, 0, 127, -128, 1 << 20, -(1 << 20), 42, -1, 1, 2, -2, 5, 6, -7, 8]]),
                ("challenge",),
                ("point", g7),
                ("word", R - 1),
                ("word", big),
                ("challenge",),
                ("point", G),
                ("words", [big]),
                ("challenge",),
            ],
        ),
    ]


def solidity_test(vecs) -> str:
    lines = []
    p = lines.append
    p("// SPDX-License-Identifier: MIT OR Apache-2.0")
    p("// GENERATED by tests/vectors/make_transcript_vectors.py -- do not edit by hand.")
    p("// Same vectors as tests/vectors/transcript.json (docs/spec.md §2).")
    p("pragma solidity ^0.8.24;")
    p("")
    p('import {Transcript} from "../Transcript.sol";')
    p("")
    p("contract TranscriptVectorsTest {")
    for i, v in enumerate(vecs):
        p(f"    function test_vector_{v['name']}() public pure {{")
        p(f"        bytes32 s = Transcript.init(bytes32(uint256({v['vk_digest']})));")
        p(f"        require(s == bytes32(uint256({v['init_state']})), \"init state\");")
        p("        uint256 c;")
        for j, op in enumerate(v["ops"]):
            if op["op"] == "absorb_word":
                p(f"        s = Transcript.absorbWord(s, {op['word']});")
            elif op["op"] == "absorb_point":
                p(f"        s = Transcript.absorbPoint(s, {op['x']}, {op['y']});")
            elif op["op"] == "absorb_words":
                n = len(op["words"])
                p("        {")
                p(f"            uint256[] memory ws = new uint256[]({n});")
                for k, x in enumerate(op["words"]):
                    p(f"            ws[{k}] = {x};")
                p("            s = Transcript.absorbWords(s, ws);")
                p("        }")
            elif op["op"] == "challenge":
                p("        (s, c) = Transcript.challenge(s);")
                p(f"        require(s == bytes32(uint256({op['state']})), \"state after op {j}\");")
                p(f"        require(c == {op['challenge']}, \"challenge after op {j}\");")
        p(f"        require(s == bytes32(uint256({v['final_state']})), \"final state\");")
        p("    }")
        if i + 1 < len(vecs):
            p("")
    p("}")
    return "\n".join(lines) + "\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.normpath(os.path.join(here, "..", ".."))
    vecs = vectors()
    doc = {
        "spec": "docs/spec.md section 2 (zktorch-v1 keccak256 transcript); generated by tests/vectors/make_transcript_vectors.py",
        "r": hx(R),
        "vectors": vecs,
    }
    with open(os.path.join(here, "transcript.json"), "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    sol_path = os.path.join(root, "contracts", "test", "TranscriptVectors.t.sol")
    with open(sol_path, "w") as f:
        f.write(solidity_test(vecs))
    print(f"wrote {os.path.join(here, 'transcript.json')} and {sol_path}")


if __name__ == "__main__":
    main()
