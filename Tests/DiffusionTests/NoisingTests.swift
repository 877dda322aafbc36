import XCTest
@testable import Compute
@testable import Diffusion
import Model
import SearchSpaces

/// The training batch's forward process against its closed form, q(x_t = z | x_0 = c) = ᾱ_t·[z = c] +
/// (1 − ᾱ_t)·m_z (m the marginal, ᾱ_t from the schedule), by a chi-square test over many draws; pairs
/// drawn once and mirrored; conditions dropped to null at the configured rate; and a short training run
/// lowering the held-out loss.
final class NoisingTests: XCTestCase {
    static let data: TrainingSet = {
        let (space, table) = TrainAndSampleTests.loaded
        return try! TrainingSet(space: space, table: table, conditions: [try! ConditionSpec(parsing: "cifar10-valid:top5%", table: table)],
                                exclude: Set(512..<table.rowCount))
    }()

    func builder(nullProbability: Double = 0.1) throws -> BatchBuilder {
        let data = Self.data
        var o = TrainingOptions()
        o.batch = 64; o.diffusionSteps = 20; o.nullProbability = nullProbability; o.fixedEdges = false; o.seed = 5
        let conditions = [try ConditionSpec(parsing: "cifar10-valid:top5%", table: TrainAndSampleTests.loaded.1)]
        let model = ModelConfig.tiny(nodeClasses: data.nodeMarginal.count, conditionWidth: conditions.map(\.width).reduce(0, +) + 1,
                                     maxNodes: data.n)
        return BatchBuilder(data: data, order: Array(0..<data.count), options: o, conditions: conditions,
                            schedule: NoiseSchedule(steps: 20), nodeNoise: MarginalTransitions(marginal: data.nodeMarginal),
                            edgeNoise: MarginalTransitions(marginal: data.edgeMarginal), model: model)
    }

    /// The chi-square value a statistic with `df` degrees of freedom exceeds with probability 0.001:
    /// exact for df = 2 (−2 ln 0.001), Wilson–Hilferty otherwise (within 0.5 % of the exact quantile for
    /// df ≥ 6).
    func chiSquareCritical(df: Int) -> Double {
        if df == 2 { return -2 * log(0.001) }
        let d = Double(df), z = 3.090
        return d * pow(1 - 2 / (9 * d) + z * (2 / (9 * d)).squareRoot(), 3)
    }

    /// Σ (observed − expected)² / expected over every (clean, noised) class pair, and its degrees of freedom.
    func chiSquare(_ counts: [[Int]], expected p: (Int, Int) -> Double) -> (value: Double, df: Int) {
        var value = 0.0, df = 0
        for (c, row) in counts.enumerated() {
            let total = row.reduce(0, +)
            guard total > 0 else { continue }
            for (z, observed) in row.enumerated() {
                let e = Double(total) * p(c, z)
                XCTAssertGreaterThan(e, 5, "enough draws for the chi-square approximation")
                value += (Double(observed) - e) * (Double(observed) - e) / e
            }
            df += row.count - 1
        }
        return (value, df)
    }

    func testNoisedClassesFollowTheClosedForm() throws {
        let b = try builder(), data = Self.data, n = data.n, dX = data.nodeMarginal.count
        let schedule = NoiseSchedule(steps: 20), m = data.nodeMarginal.map { $0 / data.nodeMarginal.reduce(0, +) }
        let me = data.edgeMarginal.map { $0 / data.edgeMarginal.reduce(0, +) }
        for t in [4, 12] {
            let a = schedule.alphaBars[t]
            var nodes = [[Int]](repeating: [Int](repeating: 0, count: dX), count: dX)
            var pairs = [[Int]](repeating: [0, 0], count: 2)
            for step in 0..<60 {
                let graphs = Array((step * 64 % data.count)..<(step * 64 % data.count + 64))
                let h = b.build(graphs: graphs, step: step, dropConditions: false, fixedT: [Int](repeating: t, count: 64))
                for g in 0..<64 {
                    for i in 0..<n where h.mask[g * n + i] == 1 {
                        let z = (0..<dX).first { h.x0[(g * n + i) * dX + $0] == 1 }!
                        nodes[Int(h.targetsX[g * n + i])][z] += 1
                        for j in (i + 1)..<n where h.mask[g * n + j] == 1 {
                            let ij = (g * n + i) * n + j, ji = (g * n + j) * n + i
                            XCTAssertEqual(h.e0[2 * ij], h.e0[2 * ji], "pairs mirrored")
                            XCTAssertEqual(h.e0[2 * ij + 1], h.e0[2 * ji + 1], "pairs mirrored")
                            XCTAssertEqual(h.targetsE[ij], h.targetsE[ji])
                            pairs[Int(h.targetsE[ij])][h.e0[2 * ij + 1] == 1 ? 1 : 0] += 1
                        }
                        XCTAssertEqual(h.e0[2 * ((g * n + i) * n + i)], 1, "the diagonal is 'no edge'")
                    }
                }
            }
            let x = chiSquare(nodes) { c, z in a * (c == z ? 1 : 0) + (1 - a) * m[z] }
            XCTAssertLessThan(x.value, chiSquareCritical(df: x.df), "nodes at t = \(t): χ² = \(x.value), df \(x.df)")
            let e = chiSquare(pairs) { c, z in a * (c == z ? 1 : 0) + (1 - a) * me[z] }
            XCTAssertLessThan(e.value, chiSquareCritical(df: e.df), "pairs at t = \(t): χ² = \(e.value), df \(e.df)")
        }
    }

    func testConditionsAreDroppedToNullAtTheConfiguredRate() throws {
        let p = 0.3, b = try builder(nullProbability: p), width = 2
        var dropped = 0, total = 0
        for step in 0..<50 {
            let kept = b.build(graphs: Array(0..<64), step: step, dropConditions: false)
            let h = b.build(graphs: Array(0..<64), step: step, dropConditions: true)
            let rowWidth = h.y0.count / 64
            for g in 0..<64 {
                XCTAssertEqual(kept.y0[(g * rowWidth)..<(g * rowWidth + width)].reduce(0, +), 1, "without dropping, one class is set")
                if h.y0[(g * rowWidth)..<(g * rowWidth + width)].allSatisfy({ $0 == 0 }) { dropped += 1 }
                total += 1
            }
        }
        let rate = Double(dropped) / Double(total), sigma = (p * (1 - p) / Double(total)).squareRoot()
        XCTAssertEqual(rate, p, accuracy: 4 * sigma, "dropped \(dropped) of \(total)")
    }

    func testShortTrainingLowersTheHeldOutLoss() throws {
        let (space, table) = TrainAndSampleTests.loaded
        var o = TrainingOptions()
        o.preset = "tiny"; o.batch = 8; o.steps = 80; o.diffusionSteps = 20; o.seed = 9; o.validationFraction = 0.05; o.learningRate = 3e-3
        let trainer = try Trainer(device: Device(), space: space, data: Self.data,
                                  conditions: [try ConditionSpec(parsing: "cifar10-valid:top5%", table: table)], options: o)
        let before = try trainer.validationLoss()
        for _ in 0..<80 { _ = try trainer.step() }
        let after = try trainer.validationLoss()
        XCTAssertLessThan(after, 0.9 * before, "held-out loss \(before) → \(after)")
    }
}
