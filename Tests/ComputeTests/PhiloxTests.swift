import XCTest
@testable import Compute

final class PhiloxTests: XCTestCase {
    /// Known-answer vectors of Philox4x32-10 from Random123's kat_vectors.
    func testPhiloxKnownAnswers() {
        let cases: [(Philox4x32.Counter, Philox4x32.Key, Philox4x32.Counter)] = [
            ((0, 0, 0, 0), (0, 0), (0x6627_E8D5, 0xE169_C58D, 0xBC57_AC4C, 0x9B00_DBD8)),
            ((0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF), (0xFFFF_FFFF, 0xFFFF_FFFF),
             (0x408F_276D, 0x41C8_3B0E, 0xA20B_C7C6, 0x6D54_51FD)),
            ((0x243F_6A88, 0x85A3_08D3, 0x1319_8A2E, 0x0370_7344), (0xA409_3822, 0x299F_31D0),
             (0xD16C_FE09, 0x94FD_CCEB, 0x5001_E420, 0x2412_6EA1)),
        ]
        for (counter, key, expected) in cases {
            let got = Philox4x32.block(counter: counter, key: key)
            XCTAssertEqual([got.0, got.1, got.2, got.3], [expected.0, expected.1, expected.2, expected.3],
                           "counter \(counter) key \(key)")
        }
    }

    func testUniformIsTheTop24BitsOfTheFirstWord() {
        let seed: UInt64 = 0x0123_4567_89AB_CDEF, stream: UInt64 = 0xFEDC_BA98_7654_3210
        for row: UInt64 in [0, 1, 77, 0x1_0000_0003] {
            let word = Philox4x32.block(counter: (UInt32(truncatingIfNeeded: row), UInt32(row >> 32), 0x7654_3210, 0xFEDC_BA98),
                                        key: (0x89AB_CDEF, 0x0123_4567)).0
            let u = Philox4x32.uniform(seed: seed, row: row, stream: stream)
            XCTAssertEqual(u, Float(word >> 8) / 16_777_216)
            XCTAssertTrue(u >= 0 && u < 1)
        }
        // The stream separates draws: the same row in two streams must not collide.
        XCTAssertNotEqual(Philox4x32.uniform(seed: 1, row: 5, stream: 0), Philox4x32.uniform(seed: 1, row: 5, stream: 1))
    }
}
