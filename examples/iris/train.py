#!/usr/bin/env python3
"""Iris trainer: the training container program of the example pipeline.

It follows Ferry's training contract (README, "Training container contract"):
reads the data set named by FERRY_DATASET_URI, splits it as FERRY_DATASET_SPLIT
says, trains a multinomial logistic regression with the hyperparameters in
FERRY_HYPERPARAMETERS, writes FERRY_OUTPUT_DIR/model.onnx, and reports its
metrics, artifact and sha256 as JSON in FERRY_RESULT_PATH (the container's
terminationMessagePath).

Needs numpy, scikit-learn and onnx (Debian: python3-sklearn python3-onnx).
"""

import csv
import hashlib
import json
import os
import sys
from urllib.parse import urlparse

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score

FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
TARGET = "species"
CLASSES = ["setosa", "versicolor", "virginica"]


def local_path(uri):
    parsed = urlparse(uri)
    if parsed.scheme in ("", "file"):
        return parsed.path
    sys.exit(f"train.py: cannot read {uri!r}: only file:// data is mounted into the container")


def split_of(row_index, seed, split):
    """Deterministic split by row hash, so every run with the same seed agrees."""
    digest = hashlib.sha256(f"{seed}:{row_index}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    if fraction < split["train"]:
        return "train"
    if fraction < split["train"] + split.get("validation", 0):
        return "validation"
    return "test"


def load(path, seed, split):
    parts = {"train": ([], []), "validation": ([], []), "test": ([], [])}
    with open(path, newline="") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            features, labels = parts[split_of(index, seed, split)]
            features.append([float(row[name]) for name in FEATURES])
            labels.append(CLASSES.index(row[TARGET]))
    return {name: (np.array(x, dtype=np.float32).reshape(-1, 4), np.array(y)) for name, (x, y) in parts.items()}


def to_onnx(model):
    weights = numpy_helper.from_array(model.coef_.T.astype(np.float32), "weights")
    bias = numpy_helper.from_array(model.intercept_.astype(np.float32), "bias")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["input", "weights"], ["logits_unbiased"]),
            helper.make_node("Add", ["logits_unbiased", "bias"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
            helper.make_node("ArgMax", ["logits"], ["label"], axis=1, keepdims=0),
        ],
        "iris_logistic_regression",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", len(FEATURES)])],
        [
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", len(CLASSES)]),
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
        ],
        initializer=[weights, bias],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="ferry-iris-example")
    proto.ir_version = 8
    # The class names, by label index: `ferry serve` names the classes from them.
    helper.set_model_props(proto, {"classes": json.dumps(CLASSES)})
    onnx.checker.check_model(proto)
    return proto.SerializeToString()


def main():
    dataset = local_path(os.environ["FERRY_DATASET_URI"])
    split = json.loads(os.environ.get("FERRY_DATASET_SPLIT", '{"train": 0.8, "validation": 0.1, "test": 0.1, "seed": 0}'))
    hyperparameters = json.loads(os.environ.get("FERRY_HYPERPARAMETERS", "{}"))
    output_dir = os.environ.get("FERRY_OUTPUT_DIR", ".")
    result_path = os.environ.get("FERRY_RESULT_PATH", "/dev/termination-log")

    parts = load(dataset, split.get("seed", 0), split)
    x_train, y_train = parts["train"]
    x_test, y_test = parts["test"] if len(parts["test"][1]) else parts["train"]
    model = LogisticRegression(C=float(hyperparameters.get("C", 1.0)), max_iter=int(hyperparameters.get("max_iter", 200)))
    model.fit(x_train, y_train)
    predicted = model.predict(x_test)

    artifact = to_onnx(model)
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "model.onnx"), "wb") as handle:
        handle.write(artifact)
    result = {
        "metrics": {
            "accuracy": round(float(accuracy_score(y_test, predicted)), 4),
            "f1_macro": round(float(f1_score(y_test, predicted, average="macro")), 4),
        },
        "artifact": "model.onnx",
        "sha256": hashlib.sha256(artifact).hexdigest(),
    }
    with open(result_path, "w") as handle:
        json.dump(result, handle)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
