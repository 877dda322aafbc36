// The NAS-Bench-101 graph hash (Ying et al. 2019, §2.2 "Cell encoding"): every vertex starts from
// the label (out-degree, in-degree, op); for `n` rounds each vertex's label is replaced by a digest
// of (its sorted in-neighbour labels, its sorted out-neighbour labels, its own label); the graph's
// fingerprint is a digest of the sorted vertex labels. Isomorphic cells always get the same
// fingerprint. The converse is what NAS-Bench-101 relies on and what the published count 423,624
// confirms for this space (see NB101Enumeration); the tests also check it against a brute-force
// canonical form for small cells.
//
// The digest is our own 128-bit construction: two 64-bit lanes, each a chain of a SplitMix-style
// finaliser with different constants, so a false merge needs both lanes to collide at once.

public enum NB101Hash {
    /// A 128-bit digest. Ordered so that neighbour lists can be sorted (the multiset, not the
    /// order in which neighbours happen to be numbered, is what gets hashed).
    public struct Digest: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var high: UInt64
        public var low: UInt64

        public static func < (a: Digest, b: Digest) -> Bool {
            a.high != b.high ? a.high < b.high : a.low < b.low
        }

        /// 32 lowercase hex digits.
        public var description: String { hex(high) + hex(low) }

        private func hex(_ v: UInt64) -> String {
            let s = String(v, radix: 16)
            return String(repeating: "0", count: 16 - s.count) + s
        }
    }

    /// Fingerprint of an NB101 cell given as out-neighbour bit masks (`outMasks[i]` bit j = edge
    /// i → j) and one label per vertex. Works for any n ≤ 64; NB101 cells have n ≤ 7.
    /// Allocation-free (stack scratch space): the enumeration calls it 1.2 million times.
    public static func fingerprint(outMasks: [UInt64], labels: [Int]) -> Digest {
        let n = labels.count
        precondition(outMasks.count == n && n <= 64, "one out-mask per vertex, at most 64 vertices")
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(n, 1)) { inMasks in
            withUnsafeTemporaryAllocation(of: Digest.self, capacity: max(3 * n, 1)) { space in
                fingerprint(outMasks: outMasks, labels: labels, inMasks: inMasks,
                            current: UnsafeMutableBufferPointer(rebasing: space[0..<n]),
                            next: UnsafeMutableBufferPointer(rebasing: space[n..<(2 * n)]),
                            scratch: UnsafeMutableBufferPointer(rebasing: space[(2 * n)...]))
            }
        }
    }

    private static func fingerprint(outMasks: [UInt64], labels: [Int],
                                    inMasks: UnsafeMutableBufferPointer<UInt64>,
                                    current: UnsafeMutableBufferPointer<Digest>,
                                    next: UnsafeMutableBufferPointer<Digest>,
                                    scratch: UnsafeMutableBufferPointer<Digest>) -> Digest {
        let n = labels.count
        for v in 0..<n { inMasks[v] = 0 }
        for i in 0..<n {
            var m = outMasks[i]
            while m != 0 {
                inMasks[m.trailingZeroBitCount] |= 1 << UInt64(i)
                m &= m - 1
            }
        }

        for v in 0..<n {
            var s = Stream(seed: 0x6E62_3130_315F_6C61) // "nb101_la"
            s.add(UInt64(outMasks[v].nonzeroBitCount))
            s.add(UInt64(inMasks[v].nonzeroBitCount))
            s.add(UInt64(bitPattern: Int64(labels[v])))
            current[v] = s.finish()
        }

        var (old, new) = (current, next)
        for _ in 0..<n {
            for v in 0..<n {
                var s = Stream(seed: 0x6E62_3130_315F_6974) // "nb101_it"
                addSorted(neighbours: inMasks[v], of: old, into: &s, scratch: scratch)
                addSorted(neighbours: outMasks[v], of: old, into: &s, scratch: scratch)
                s.add(old[v])
                new[v] = s.finish()
            }
            swap(&old, &new)
        }

        for v in 0..<n { scratch[v] = old[v] }
        insertionSort(scratch, count: n)
        var s = Stream(seed: 0x6E62_3130_315F_6670) // "nb101_fp"
        s.add(UInt64(n))
        for v in 0..<n { s.add(scratch[v]) }
        return s.finish()
    }

    /// Adds the count, then the sorted labels of the vertices in `mask`. The count separates the
    /// in-list from the out-list, so ([a], [b, c]) and ([a, b], [c]) hash differently.
    private static func addSorted(neighbours mask: UInt64, of labels: UnsafeMutableBufferPointer<Digest>,
                                  into s: inout Stream, scratch: UnsafeMutableBufferPointer<Digest>) {
        var count = 0
        var m = mask
        while m != 0 {
            scratch[count] = labels[m.trailingZeroBitCount]
            count += 1
            m &= m - 1
        }
        insertionSort(scratch, count: count)
        s.add(UInt64(count))
        for k in 0..<count { s.add(scratch[k]) }
    }

    /// Neighbour lists hold at most n − 1 ≤ 6 entries: insertion sort, in place.
    private static func insertionSort(_ a: UnsafeMutableBufferPointer<Digest>, count: Int) {
        guard count > 1 else { return }
        for i in 1..<count {
            let x = a[i]
            var j = i - 1
            while j >= 0 && x < a[j] {
                a[j + 1] = a[j]
                j -= 1
            }
            a[j + 1] = x
        }
    }

    /// Two independent 64-bit chains over a stream of words.
    struct Stream {
        private var a: UInt64
        private var b: UInt64
        private var words: UInt64 = 0

        init(seed: UInt64) {
            a = NB101Hash.mixA(seed)
            b = NB101Hash.mixB(~seed)
        }

        mutating func add(_ w: UInt64) {
            a = NB101Hash.mixA(a ^ w)
            b = NB101Hash.mixB((b &+ w) ^ (b >> 17))
            words &+= 1
        }

        mutating func add(_ d: Digest) {
            add(d.high)
            add(d.low)
        }

        func finish() -> Digest {
            Digest(high: NB101Hash.mixA(a ^ words), low: NB101Hash.mixB(b &+ words))
        }
    }

    // SplitMix64's finaliser (Steele, Lea & Flood 2014).
    @inline(__always) static func mixA(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    // MurmurHash3's 64-bit finaliser, with a different additive constant, for the second lane.
    @inline(__always) static func mixB(_ x: UInt64) -> UInt64 {
        var z = x &+ 0xD6E8_FEB8_6659_FD93
        z = (z ^ (z >> 33)) &* 0xFF51_AFD7_ED55_8CCD
        z = (z ^ (z >> 33)) &* 0xC4CE_B9FE_1A85_EC53
        return z ^ (z >> 33)
    }
}
