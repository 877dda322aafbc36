// swift-tools-version:6.0
import PackageDescription

// Layers, top to bottom (see README "Architecture"):
//   nasdiff (CLI) → Search → Diffusion → Model → Compute → COpenCL
//   SearchSpaces is pure Swift and independent of Compute. Search runs the user's evaluators
//   through swift-subprocess.
let package = Package(
    name: "NASDiffusion",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "nasdiff", targets: ["nasdiff"]),
        .library(name: "Compute", targets: ["Compute"]),
        .library(name: "SearchSpaces", targets: ["SearchSpaces"]),
        .library(name: "Model", targets: ["Model"]),
        .library(name: "Diffusion", targets: ["Diffusion"]),
        .library(name: "Search", targets: ["Search"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(
            name: "COpenCL",
            providers: [.apt(["ocl-icd-opencl-dev", "opencl-headers"])]
        ),
        // Sources/Compute/Kernels links to the top-level Kernels/: the kernels are compiled into the binary
        // (a release binary is copied alone to GPU machines).
        .target(name: "Compute", dependencies: ["COpenCL"],
                resources: [.embedInCode("Kernels")],
                swiftSettings: [.unsafeFlags(["-Ounchecked"], .when(configuration: .release))]),
        .target(name: "SearchSpaces"),
        .target(name: "Model", dependencies: ["Compute"]),
        .target(name: "Diffusion", dependencies: ["Compute", "Model", "SearchSpaces"]),
        .target(name: "Search", dependencies: [
            "Compute", "SearchSpaces", "Model", "Diffusion",
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "SystemPackage", package: "swift-system"),
        ]),
        .executableTarget(
            name: "nasdiff",
            dependencies: [
                "Compute", "SearchSpaces", "Model", "Diffusion", "Search",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers more than one test target needs (finite differences).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ComputeTests", dependencies: ["Compute", "TestSupport"]),
        .testTarget(name: "SearchSpacesTests", dependencies: ["SearchSpaces"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Compute", "TestSupport"]),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "Model", "Compute", "SearchSpaces"]),
        .testTarget(name: "SearchTests", dependencies: ["Search", "Diffusion", "SearchSpaces", "Compute"]),
        .testTarget(name: "CLITests", dependencies: ["nasdiff", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
    ],
    swiftLanguageModes: [.v6]
)
