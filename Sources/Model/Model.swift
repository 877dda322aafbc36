// The DiNAS graph transformer (dinas-spec §3) on the Compute layer.
