// swift-tools-version:6.0
import PackageDescription

// Layers, top to bottom (see README "Architecture"):
//   nasdiff (CLI) → Diffusion → Model → Compute → COpenCL
//   SearchSpaces is pure Swift and independent of Compute.
let package = Package(
    name: "NASDiffusion",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nasdiff", targets: ["nasdiff"]),
        .library(name: "Compute", targets: ["Compute"]),
        .library(name: "SearchSpaces", targets: ["SearchSpaces"]),
        .library(name: "Model", targets: ["Model"]),
        .library(name: "Diffusion", targets: ["Diffusion"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]
        ),
        .target(name: "Compute", dependencies: ["COpenCL"],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "SearchSpaces"),
        .target(name: "Model", dependencies: ["Compute"]),
        .target(name: "Diffusion", dependencies: ["Compute", "Model", "SearchSpaces"]),
        .executableTarget(
            name: "nasdiff",
            dependencies: [
                "Compute", "SearchSpaces", "Model", "Diffusion",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers more than one test target needs (finite differences).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ComputeTests", dependencies: ["Compute", "TestSupport"]),
        .testTarget(name: "SearchSpacesTests", dependencies: ["SearchSpaces"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Compute", "TestSupport"]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "Model", "Compute", "SearchSpaces"]),
        .testTarget(name: "CLITests", dependencies: ["nasdiff", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ],
    swiftLanguageModes: [.v6]
)
