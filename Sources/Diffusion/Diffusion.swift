// Noise model and samplers (dinas-spec §2, §5).
