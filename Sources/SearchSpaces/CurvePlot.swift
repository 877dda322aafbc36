import Foundation

// Best-so-far curves as a self-contained SVG: one thin step line per run, and where several runs share
// a strategy, their median in a thick line of the same colour; the table's optimum dashed.

public enum CurvePlot {
    public struct Series: Sendable {
        public var label: String
        /// Runs with the same strategy share a colour and a median.
        public var strategy: String
        public var best: [Double?]
        public init(label: String, strategy: String, best: [Double?]) { self.label = label; self.strategy = strategy; self.best = best }
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    public static func svg(series: [Series], metric: String, direction: MetricDirection, optimum: Double?, title: String) -> String {
        let width = 860.0, height = 520.0, left = 78.0, right = 230.0, top = 48.0, bottom = 56.0
        let plotW = width - left - right, plotH = height - top - bottom
        // The axis starts at the worst run's best after 10 evaluations: the first few, often far below,
        // would otherwise squash the part of the curves a reader compares. Lines are clipped to the plot.
        let settled = series.compactMap { s in s.best.prefix(10).last(where: { $0 != nil }) ?? nil }
        let values = settled + series.compactMap { $0.best.last ?? nil } + (optimum.map { [$0] } ?? [])
        let maxX = max(series.map(\.best.count).max() ?? 1, 1)
        let xTicks = NiceTicks(low: 0, high: Double(maxX))
        let yTicks = NiceTicks(low: values.min() ?? 0, high: values.max() ?? 1)
        func px(_ x: Double) -> Double { left + (x - xTicks.low) / (xTicks.high - xTicks.low) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (y - yTicks.low) / (yTicks.high - yTicks.low) * plotH }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }

        var svg = [##"<svg xmlns="http://www.w3.org/2000/svg" width="\##(Int(width))" height="\##(Int(height))" viewBox="0 0 \##(Int(width)) \##(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">"##,
                   ##"<rect width="100%" height="100%" fill="white"/>"##,
                   ##"<text x="\##(f(left))" y="28" font-size="16" font-weight="bold">\##(TradeOffPlot.xmlEscaped(title))</text>"##]
        for t in xTicks.values {
            svg.append(##"<line x1="\##(f(px(t)))" y1="\##(f(top))" x2="\##(f(px(t)))" y2="\##(f(top + plotH))" stroke="#eeeeee"/>"##)
            svg.append(##"<text x="\##(f(px(t)))" y="\##(f(top + plotH + 18))" text-anchor="middle">\##(xTicks.label(t))</text>"##)
        }
        for t in yTicks.values {
            svg.append(##"<line x1="\##(f(left))" y1="\##(f(py(t)))" x2="\##(f(left + plotW))" y2="\##(f(py(t)))" stroke="#eeeeee"/>"##)
            svg.append(##"<text x="\##(f(left - 8))" y="\##(f(py(t) + 4))" text-anchor="end">\##(yTicks.label(t))</text>"##)
        }
        svg.append(##"<rect x="\##(f(left))" y="\##(f(top))" width="\##(f(plotW))" height="\##(f(plotH))" fill="none" stroke="black"/>"##)
        svg.append(##"<clipPath id="plot"><rect x="\##(f(left))" y="\##(f(top))" width="\##(f(plotW))" height="\##(f(plotH))"/></clipPath>"##)
        svg.append(##"<text x="\##(f(left + plotW / 2))" y="\##(f(height - 14))" text-anchor="middle">evaluations</text>"##)
        let yLabel = "best \(metric) so far (\(direction == .higherIsBetter ? "higher" : "lower") is better)"
        svg.append(##"<text transform="translate(20 \##(f(top + plotH / 2))) rotate(-90)" text-anchor="middle">\##(TradeOffPlot.xmlEscaped(yLabel))</text>"##)
        if let optimum {
            svg.append(##"<line x1="\##(f(left))" y1="\##(f(py(optimum)))" x2="\##(f(left + plotW))" y2="\##(f(py(optimum)))" stroke="black" stroke-dasharray="6 4"/>"##)
        }

        func path(_ best: [Double?]) -> String {
            var d = "", previous: Double?
            for (i, v) in best.enumerated() {
                guard let v, v != previous else { continue }   // a step line needs only the changes
                let x = px(Double(i + 1))
                if let p = previous { d += " L\(f(x)),\(f(py(p))) L\(f(x)),\(f(py(v)))" } else { d += "M\(f(x)),\(f(py(v)))" }
                previous = v
            }
            if let p = previous { d += " L\(f(px(Double(best.count)))),\(f(py(p)))" }
            return d
        }
        let strategies = series.map(\.strategy).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        var legend: [(String, String)] = []
        for (k, strategy) in strategies.enumerated() {
            let colour = palette[k % palette.count]
            let runs = series.filter { $0.strategy == strategy }
            let many = runs.count > 1
            for run in runs {
                svg.append(##"<path clip-path="url(#plot)" d="\##(path(run.best))" fill="none" stroke="\##(colour)" stroke-width="\##(many ? "1" : "2")" stroke-opacity="\##(many ? "0.3" : "1")"/>"##)
            }
            if many {
                // A run that ended early (at the optimum, or stopped) keeps its best for the rest.
                let length = runs.map(\.best.count).max() ?? 0
                let median: [Double?] = (0..<length).map { i in
                    let column = runs.compactMap { $0.best.isEmpty ? nil : $0.best[min(i, $0.best.count - 1)] }.sorted()
                    return column.count == runs.count ? (column[(column.count - 1) / 2] + column[column.count / 2]) / 2 : nil
                }
                svg.append(##"<path clip-path="url(#plot)" d="\##(path(median))" fill="none" stroke="\##(colour)" stroke-width="3"/>"##)
                legend.append((colour, "\(strategy): median of \(runs.count)"))
            } else {
                legend.append((colour, runs[0].label))
            }
        }
        if optimum != nil { legend.append(("black", "the table's optimum")) }
        for (i, (colour, text)) in legend.enumerated() {
            let y = top + 14 + Double(i) * 20
            let dash = text == "the table's optimum" ? ##" stroke-dasharray="6 4""## : ""
            svg.append(##"<line x1="\##(f(left + plotW + 14))" y1="\##(f(y - 4))" x2="\##(f(left + plotW + 40))" y2="\##(f(y - 4))" stroke="\##(colour)" stroke-width="3"\##(dash)/>"##)
            svg.append(##"<text x="\##(f(left + plotW + 46))" y="\##(f(y))">\##(TradeOffPlot.xmlEscaped(text))</text>"##)
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }
}
