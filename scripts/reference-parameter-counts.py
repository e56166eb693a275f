#!/usr/bin/python3
# Writes the parameter counts of ONNX's pytorch-converted test models, computed with the ONNX
# project's own Python package (Debian python3-onnx), as an independent reference for the tests
# of `modelshield inspect`. Usage:
#   /usr/bin/python3 scripts/reference-parameter-counts.py > tests/ModelShield.Onnx.Tests/TestData/pytorch-converted-parameters.tsv
import glob
import os

import numpy as np
import onnx

print("model\tinitializers\tparameters")
for path in sorted(glob.glob("/usr/share/libonnx-testdata/data/pytorch-converted/*/model.onnx")):
    model = onnx.load(path, load_external_data=False)
    count = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    print(f"{os.path.basename(os.path.dirname(path))}\t{len(model.graph.initializer)}\t{count}")
