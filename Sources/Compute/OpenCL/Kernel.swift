// Every kernel the ops launch, by its file in Kernels/ and its entry point. The ops name kernels only
// through this table, so a kernel's entry point leads here and its Swift name to every caller; a test
// builds every file on PoCL and checks that the table and the files' kernels are the same set.

public struct Kernel: Hashable, Sendable, CustomStringConvertible {
    public let file: String, entry: String
    init(_ file: String, _ entry: String) { self.file = file; self.entry = entry }
    public var description: String { "\(file).cl: \(entry)" }
}

extension Kernel {
    // adamw.cl
    static let adamw = Kernel("adamw", "adamw")
    // attention.cl
    static let attentionBackward = Kernel("attention", "attention_backward")
    static let attentionForward = Kernel("attention", "attention_forward")
    static let attentionForwardProbs = Kernel("attention", "attention_forward_probs")
    static let packEdgeWeights = Kernel("attention", "pack_edge_weights")
    // concat.cl
    static let concatBroadcastBackwardA = Kernel("concat", "concat_broadcast_backward_a")
    static let concatBroadcastBackwardB = Kernel("concat", "concat_broadcast_backward_b")
    static let concatBroadcastForward = Kernel("concat", "concat_broadcast_forward")
    // crossentropy.cl
    static let crossEntropy = Kernel("crossentropy", "cross_entropy")
    // elementwise.cl
    static let add = Kernel("elementwise", "add")
    static let axpby = Kernel("elementwise", "axpby")
    static let fill = Kernel("elementwise", "fill")
    static let reluBackward = Kernel("elementwise", "relu_backward")
    static let reluForward = Kernel("elementwise", "relu_forward")
    // film.cl
    static let filmBackward = Kernel("film", "film_backward")
    static let filmForward = Kernel("film", "film_forward")
    // layernorm.cl
    static let addLayernormForwardGroup = Kernel("layernorm", "add_layernorm_forward_group")
    static let layernormBackwardGroup = Kernel("layernorm", "layernorm_backward_group")
    static let layernormBackwardRows = Kernel("layernorm", "layernorm_backward_rows")
    static let layernormForwardGroup = Kernel("layernorm", "layernorm_forward_group")
    static let layernormForwardRows = Kernel("layernorm", "layernorm_forward_rows")
    static let layernormParamGradsColumns = Kernel("layernorm", "layernorm_param_grads_columns")
    static let layernormParamGradsFinish = Kernel("layernorm", "layernorm_param_grads_finish")
    static let layernormParamGradsPartial = Kernel("layernorm", "layernorm_param_grads_partial")
    // linear.cl
    static let columnSum = Kernel("linear", "column_sum")
    static let edgeAttention64 = Kernel("linear", "edge_attention_64")
    static let gemmSplitkReduce = Kernel("linear", "gemm_splitk_reduce")
    static let linearBackwardInputCpu = Kernel("linear", "linear_backward_input_cpu")
    static let linearBackwardWeightCpu = Kernel("linear", "linear_backward_weight_cpu")
    static let linearBiasGradCpu = Kernel("linear", "linear_bias_grad_cpu")
    static let linearForwardCpu = Kernel("linear", "linear_forward_cpu")
    // linear_tc.cl
    static let edgeAttentionTc64 = Kernel("linear_tc", "edge_attention_tc_64")
    // masks.cl
    static let applyNodeMask = Kernel("masks", "apply_node_mask")
    static let applyPairMask = Kernel("masks", "apply_pair_mask")
    // pooling.cl
    static let poolBackwardColumns = Kernel("pooling", "pool_backward_columns")
    static let poolForwardColumns = Kernel("pooling", "pool_forward_columns")
    static let poolForwardGroup = Kernel("pooling", "pool_forward_group")
    // reverse_step.cl
    static let reverseStep = Kernel("reverse_step", "reverse_step")
    // sampling.cl
    static let mirrorPairClasses = Kernel("sampling", "mirror_pair_classes")
    static let oneHot = Kernel("sampling", "one_hot")
    static let oneHotVariants = Kernel("sampling", "one_hot_variants")
    static let sampleCategorical = Kernel("sampling", "sample_categorical")
    static let scatter = Kernel("sampling", "scatter")
    // symmetrize.cl
    static let symmetrizePairs = Kernel("symmetrize", "symmetrize_pairs")
    static let symmetrizePairsBackward = Kernel("symmetrize", "symmetrize_pairs_backward")
    // tc_staging.cl: the tensor-core GEMMs' operand staging on its own, for the tests on PoCL
    static let tcStageSlab = Kernel("tc_staging", "tc_stage_slab")

    /// The float32 tiled GEMM of an operand layout ("nn", "nt", "tn") and tile edge (64, 128): linear.cl.
    static func gemm(_ layout: String, tile: Int) -> Kernel { Kernel("linear", "gemm_\(layout)_\(tile)") }
    /// The tensor-core GEMM of an operand layout, 64-tiles: linear_tc.cl.
    static func gemmTensorCores(_ layout: String) -> Kernel { Kernel("linear_tc", "gemm_tc_\(layout)_64") }

    static let gemmLayouts = ["nn", "nt", "tn"]

    /// Every kernel of every file.
    static let all: [Kernel] = [adamw, add, addLayernormForwardGroup, applyNodeMask, applyPairMask, attentionBackward, attentionForward, attentionForwardProbs, axpby, columnSum, concatBroadcastBackwardA, concatBroadcastBackwardB, concatBroadcastForward, crossEntropy, edgeAttention64, edgeAttentionTc64, fill, filmBackward, filmForward, gemmSplitkReduce, layernormBackwardGroup, layernormBackwardRows, layernormForwardGroup, layernormForwardRows, layernormParamGradsColumns, layernormParamGradsFinish, layernormParamGradsPartial, linearBackwardInputCpu, linearBackwardWeightCpu, linearBiasGradCpu, linearForwardCpu, mirrorPairClasses, oneHot, oneHotVariants, packEdgeWeights, poolBackwardColumns, poolForwardColumns, poolForwardGroup, reluBackward, reluForward, reverseStep, sampleCategorical, scatter, symmetrizePairs, symmetrizePairsBackward, tcStageSlab]
        + gemmLayouts.flatMap { [gemm($0, tile: 64), gemm($0, tile: 128), gemmTensorCores($0)] }
}
