// The seven DARTS candidate operations (Liu et al. 2019, without 'none'), numbered as NASLib's
// compact form numbers them (naslib/search_spaces/nasbench301/conversions.py): 0 max_pool_3x3,
// 1 avg_pool_3x3, 2 skip_connect, 3 sep_conv_3x3, 4 sep_conv_5x5, 5 dil_conv_3x3, 6 dil_conv_5x5.
// That is the DARTS PRIMITIVES list with 'none' dropped.
//
// Checked against Data/naslib/zc_nasbench301.json (725 genotypes): the `params` there are an exact
// linear function (residual 1e-15) of how often each code occurs per cell, and the fitted weights
// say: in the normal cell codes 0, 1, 2 cost nothing (pools and identity have no weights) and the
// others rank 4 > 3 > 6 > 5 (sep 5×5 > sep 3×3 > dil 5×5 > dil 3×3: a separable conv is two
// stacked convs); in the reduction cell only code 2 costs weights when it reads a cell input
// (skip_connect on a stride-2 input becomes a FactorizedReduce). Codes 0 and 1 (max vs. average
// pool) have identical parameters and FLOPs in the data, so that one pair rests on NASLib's list.
// DARTSTests.testCompactOpCodesMatchParameterCounts re-derives this from the data.

public enum DARTSOp: Int, CaseIterable, Sendable, Hashable {
    case maxPool3x3 = 0
    case avgPool3x3 = 1
    case skipConnect = 2
    case sepConv3x3 = 3
    case sepConv5x5 = 4
    case dilConv3x3 = 5
    case dilConv5x5 = 6

    /// The name DARTS genotypes use.
    public var name: String { Self.names[rawValue] }

    public init?(name: String) {
        guard let k = Self.names.firstIndex(of: name) else { return nil }
        self.init(rawValue: k)
    }

    static let names = ["max_pool_3x3", "avg_pool_3x3", "skip_connect", "sep_conv_3x3",
                        "sep_conv_5x5", "dil_conv_3x3", "dil_conv_5x5"]
}
