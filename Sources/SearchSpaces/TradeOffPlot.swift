// An SVG scatter of the trade-off (cost on x, value on y): the whole table in small grey dots, the
// table's Pareto front as a step line, the queried samples coloured on top, constraint bounds as
// dashed lines. Self-contained SVG 1.1: opens in any browser.

import Foundation

public enum TradeOffPlot {
    public static func svg(report: EvaluationReport, table: BenchmarkTable, title: String? = nil) throws -> String {
        guard let pareto = report.pareto else {
            throw PlotError(why: "the report has no trade-off axis; give a cost metric (--pareto METRIC or a --constraint)")
        }
        let xs = try table.column(pareto.cost.name), ys = try table.column(pareto.value.name)
        let width = 820.0, height = 580.0
        let left = 78.0, right = 24.0, top = 48.0, bottom = 64.0
        let plotW = width - left - right, plotH = height - top - bottom

        let (xRange, yRange) = axisRanges(pareto, constraints: report.feasibility?.constraints ?? [], xs: xs, ys: ys)
        let xTicks = NiceTicks(low: xRange.lowerBound, high: xRange.upperBound)
        let yTicks = NiceTicks(low: yRange.lowerBound, high: yRange.upperBound)
        func px(_ x: Double) -> Double { left + (x - xTicks.low) / (xTicks.high - xTicks.low) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yTicks.low) / (yTicks.high - yTicks.low) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func axisLabel(_ m: MetricInfo) -> String {
            "\(m.name)\(m.unit.isEmpty ? "" : " (\(m.unit))"), \(m.direction == .higherIsBetter ? "higher" : "lower") is better"
        }

        var svg: [String] = []
        svg.append(##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">"##)
        svg.append(##"<rect width="100%" height="100%" fill="white"/>"##)
        let heading = title ?? "\(report.space): \(pareto.value.name) vs \(pareto.cost.name)"
        svg.append(##"<text x="\##(f(left))" y="28" font-size="16" font-weight="bold">\##(xmlEscaped(heading))</text>"##)

        // Grid and ticks.
        for t in xTicks.values {
            svg.append(##"<line x1="\##(f(px(t)))" y1="\##(f(top))" x2="\##(f(px(t)))" y2="\##(f(top + plotH))" stroke="#eeeeee"/>"##)
            svg.append(##"<line x1="\##(f(px(t)))" y1="\##(f(top + plotH))" x2="\##(f(px(t)))" y2="\##(f(top + plotH + 5))" stroke="black"/>"##)
            svg.append(##"<text x="\##(f(px(t)))" y="\##(f(top + plotH + 19))" text-anchor="middle">\##(xTicks.label(t))</text>"##)
        }
        for t in yTicks.values {
            svg.append(##"<line x1="\##(f(left))" y1="\##(f(py(t)))" x2="\##(f(left + plotW))" y2="\##(f(py(t)))" stroke="#eeeeee"/>"##)
            svg.append(##"<line x1="\##(f(left - 5))" y1="\##(f(py(t)))" x2="\##(f(left))" y2="\##(f(py(t)))" stroke="black"/>"##)
            svg.append(##"<text x="\##(f(left - 8))" y="\##(f(py(t) + 4))" text-anchor="end">\##(yTicks.label(t))</text>"##)
        }
        svg.append(##"<rect x="\##(f(left))" y="\##(f(top))" width="\##(f(plotW))" height="\##(f(plotH))" fill="none" stroke="black"/>"##)
        svg.append(##"<clipPath id="plot"><rect x="\##(f(left))" y="\##(f(top))" width="\##(f(plotW))" height="\##(f(plotH))"/></clipPath>"##)
        svg.append(##"<text x="\##(f(left + plotW / 2))" y="\##(f(height - 18))" text-anchor="middle">\##(xmlEscaped(axisLabel(pareto.cost)))</text>"##)
        svg.append(##"<text transform="translate(20 \##(f(top + plotH / 2))) rotate(-90)" text-anchor="middle">\##(xmlEscaped(axisLabel(pareto.value)))</text>"##)

        // The table: one path of zero-length round-capped segments (a dot each), far smaller than
        // 15,625 <circle> elements.
        var dots = ""
        dots.reserveCapacity(xs.count * 16)
        for r in xs.indices { dots += "M\(f(px(xs[r]))) \(f(py(ys[r])))h0" }
        svg.append(##"<path clip-path="url(#plot)" d="\##(dots)" stroke="#b4b4b4" stroke-width="2.6" stroke-linecap="round" fill="none"/>"##)

        // Constraint bounds on either axis.
        for c in report.feasibility?.constraints ?? [] {
            if c.metric == pareto.cost.name, c.bound >= xTicks.low, c.bound <= xTicks.high {
                svg.append(##"<line x1="\##(f(px(c.bound)))" y1="\##(f(top))" x2="\##(f(px(c.bound)))" y2="\##(f(top + plotH))" stroke="#2ca02c" stroke-width="1.5" stroke-dasharray="6 4"/>"##)
                svg.append(##"<text x="\##(f(px(c.bound) + 4))" y="\##(f(top + 14))" fill="#2ca02c">\##(xmlEscaped(c.description))</text>"##)
            } else if c.metric == pareto.value.name, c.bound >= yTicks.low, c.bound <= yTicks.high {
                svg.append(##"<line x1="\##(f(left))" y1="\##(f(py(c.bound)))" x2="\##(f(left + plotW))" y2="\##(f(py(c.bound)))" stroke="#2ca02c" stroke-width="1.5" stroke-dasharray="6 4"/>"##)
                svg.append(##"<text x="\##(f(left + 4))" y="\##(f(py(c.bound) - 4))" fill="#2ca02c">\##(xmlEscaped(c.description))</text>"##)
            }
        }

        // Fronts as attainment steps: from each point, across to the next point's cost, then up.
        func steps(_ front: [TradeOffPoint]) -> String {
            guard let first = front.first else { return "" }
            var d = "M\(f(px(first.cost))) \(f(py(first.value)))"
            for p in front.dropFirst() { d += "H\(f(px(p.cost)))V\(f(py(p.value)))" }
            return d
        }
        svg.append(##"<path clip-path="url(#plot)" d="\##(steps(pareto.tableFront))" stroke="#222222" stroke-width="1.6" fill="none"/>"##)
        svg.append(##"<path clip-path="url(#plot)" d="\##(steps(pareto.sampleFront))" stroke="#d62728" stroke-width="1.4" stroke-dasharray="5 3" fill="none"/>"##)
        for p in pareto.samples {
            svg.append(##"<circle cx="\##(f(px(p.cost)))" cy="\##(f(py(p.value)))" r="3.6" fill="#d62728" fill-opacity="0.8" stroke="white" stroke-width="0.8"><title>\##(xmlEscaped(p.key ?? String(p.row))): \##(p.cost), \##(p.value)</title></circle>"##)
        }

        // Legend.
        let lx = left + plotW - 300, ly = top + plotH - 80
        svg.append(##"<rect x="\##(f(lx))" y="\##(f(ly))" width="290" height="70" fill="white" fill-opacity="0.9" stroke="#cccccc"/>"##)
        svg.append(##"<circle cx="\##(f(lx + 14))" cy="\##(f(ly + 15))" r="2" fill="#b4b4b4"/><text x="\##(f(lx + 28))" y="\##(f(ly + 19))">table (\##(table.rowCount) architectures)</text>"##)
        svg.append(##"<circle cx="\##(f(lx + 14))" cy="\##(f(ly + 33))" r="3.6" fill="#d62728"/><text x="\##(f(lx + 28))" y="\##(f(ly + 37))">samples (\##(pareto.samples.count) queried); dashed: their front</text>"##)
        svg.append(##"<line x1="\##(f(lx + 6))" y1="\##(f(ly + 51))" x2="\##(f(lx + 22))" y2="\##(f(ly + 51))" stroke="#222222" stroke-width="1.6"/><text x="\##(f(lx + 28))" y="\##(f(ly + 55))">table Pareto front (\##(pareto.tableFront.count) points)</text>"##)
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    /// The axes span the samples (and the constraint bounds, and the table's front over the samples'
    /// costs), not the whole table: a table's worst cells (NB201's ~10 % accuracy) would squash the
    /// region where the samples lie. With no samples, the whole table.
    static func axisRanges(_ pareto: EvaluationReport.ParetoSummary, constraints: [MetricConstraint], xs: [Double], ys: [Double])
        -> (ClosedRange<Double>, ClosedRange<Double>) {
        func span(_ v: [Double]) -> ClosedRange<Double> {
            let finite = v.filter(\.isFinite)
            guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
            let pad = hi > lo ? 0.05 * (hi - lo) : max(abs(lo) * 0.05, 0.5)
            return (lo - pad)...(hi + pad)
        }
        guard !pareto.samples.isEmpty else { return (span(xs), span(ys)) }
        let costs = pareto.samples.map(\.cost) + constraints.filter { $0.metric == pareto.cost.name }.map(\.bound)
        let x = span(costs)
        let front = pareto.tableFront.filter { x.contains($0.cost) }.map(\.value)
        let values = pareto.samples.map(\.value) + front + constraints.filter { $0.metric == pareto.value.name }.map(\.bound)
        return (x, span(values))
    }

    public struct PlotError: Error, CustomStringConvertible {
        public var why: String
        public var description: String { "cannot plot: \(why)" }
    }

    static func xmlEscaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

/// Axis ticks at 1, 2 or 5 × 10^k, about 6 of them, with the axis range widened to whole ticks.
struct NiceTicks {
    let low: Double
    let high: Double
    let step: Double

    init(low rawLow: Double, high rawHigh: Double, count: Int = 6) {
        var a = rawLow, b = rawHigh
        if !(b > a) { a -= 0.5; b += 0.5 }
        let rough = (b - a) / Double(count)
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        self.step = step
        low = floor(a / step) * step
        high = ceil(b / step) * step
    }

    var values: [Double] {
        let n = Int(((high - low) / step).rounded())
        return (0...n).map { low + Double($0) * step }
    }

    func label(_ v: Double) -> String {
        let decimals = max(0, -Int(floor(log10(step))))
        return String(format: "%.\(decimals)f", abs(v) < step / 1e6 ? 0 : v)
    }
}
