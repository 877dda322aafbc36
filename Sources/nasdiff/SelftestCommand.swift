import ArgumentParser
import Compute
import Foundation

struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Run every kernel on the chosen device against its Swift twin and print the max errors.")

    @OptionGroup var deviceOption: DeviceOption

    func run() throws {
        let device = try deviceOption.make()
        print("device: \(device.name)")
        if device.isReference {
            print("nothing to test: the Swift twins are the reference the kernels are checked against; name an OpenCL device with --device (see `nasdiff devices`)")
            return
        }
        let start = Date()
        let results = try OpCase.all.map { try $0.check(on: device) }
        let width = results.map(\.name.count).max().map { $0 + 2 } ?? 0   // the names' column, whatever they are
        print("op".padding(toLength: width, withPad: " ", startingAt: 0) + "max abs error   tolerance   result")
        for r in results {
            print(r.name.padding(toLength: width, withPad: " ", startingAt: 0)
                  + String(format: "%-15.3e %-11.1e ", r.maxAbsError, r.tolerance) + (r.passed ? "ok" : "FAIL"))
        }
        let failed = results.filter { !$0.passed }.count
        print(String(format: "%d passed, %d failed (%.1f s)", results.count - failed, failed, Date().timeIntervalSince(start)))
        if failed > 0 { throw ExitCode.failure }
    }
}
