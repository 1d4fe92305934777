"""The tuned sentence encoder that ships (classifiers/encoder.onnx) and the tool that makes it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest

from classifiers import finetune
from classifiers.dataset import HELDOUT_PATH, load_examples
from classifiers.detector import OneDownDetector
from classifiers.embed import DIM, ENCODER_PATH, MiniLMEncoder
from classifiers.evaluate import presented, score


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    found = MiniLMEncoder()
    found.warm()
    return found


def test_the_encoder_ships_as_int8_onnx_and_gives_unit_vectors(encoder: MiniLMEncoder) -> None:
    assert ENCODER_PATH.exists() and 15e6 < ENCODER_PATH.stat().st_size < 40e6  # int8, not fp32 (90 MB)
    vectors = encoder.encode(["okay got it", "so what keeps you up at night about the audit", ""])
    assert vectors.shape == (3, DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_the_tuned_space_separates_what_the_stock_one_blurred(encoder: MiniLMEncoder) -> None:
    """A pain probe sits nearer another pain probe than the agenda line that shares its words."""
    probe, other_probe, agenda = encoder.encode(
        [
            "what's the biggest headache with how you schedule the crews today",
            "so where does it hurt most when the invoices go out late",
            "so today I'd like to understand how you schedule the crews, then we'll wrap by ten",
        ]
    )
    assert float(probe @ other_probe) > float(probe @ agenda)


def test_heldout_macro_f1_of_presented_verdicts_stays_at_the_goal() -> None:
    """The issue's bar: 0.91 macro-F1 over presented verdicts (unsure counted as neutral)."""
    detector = OneDownDetector()
    heldout = load_examples(HELDOUT_PATH)
    scores = score([e.label for e in heldout], presented(detector, heldout))
    assert scores.macro_f1 >= 0.91


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="the finetune extra is installed")
def test_finetune_without_its_extra_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert finetune.main(["--out", "/nonexistent/encoder.onnx"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("finetune: needs the finetune extra") and "\n" not in err


def test_the_shipped_encoder_multiplies_uint8_weights() -> None:
    """uint8 weights: the integer product is exact on every x86 CPU (see finetune.unsigned_weights)."""
    model = onnx.load(str(ENCODER_PATH))
    types = {t.name: t.data_type for t in model.graph.initializer}
    weights = [types[n.input[1]] for n in model.graph.node if n.op_type == "MatMulInteger"]
    assert len(weights) == 36 and set(weights) == {onnx.TensorProto.UINT8}


def _dynamic_int8_matmul(tmp_path: Path, weight: np.ndarray) -> Path:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    x = onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1, weight.shape[0]])
    y = onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1, weight.shape[1]])
    node = onnx.helper.make_node("MatMul", ["x", "w"], ["y"])
    graph = onnx.helper.make_graph([node], "g", [x], [y], [onnx.numpy_helper.from_array(weight, "w")])
    fp32, out = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    onnx.save(onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", 17)]), str(fp32))
    quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, per_channel=True)
    return out


def test_unsigned_weights_keeps_the_integers_and_the_product_is_exact(tmp_path: Path) -> None:
    """Large same-signed activations and weights: pairs of uint8 x int8 products pass int16 (where
    AVX2's VPMADDUBSW saturates). After the shift the result is the exact integer product."""
    import onnxruntime as ort

    rng = np.random.default_rng(7)
    weight = rng.uniform(0.6, 1.0, (64, 8)).astype(np.float32)
    x = rng.uniform(0.6, 1.0, (1, 64)).astype(np.float32)
    path = _dynamic_int8_matmul(tmp_path, weight)
    before = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
    assert finetune.unsigned_weights(path) == 2
    after = {t.name: onnx.numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}
    shifted = [n for n, a in after.items() if a.dtype == np.uint8]
    assert len(shifted) == 2
    for name in shifted:
        assert before[name].dtype == np.int8
        np.testing.assert_array_equal(after[name].astype(np.int16) - 128, before[name])
    wq = next(a for n, a in after.items() if a.dtype == np.uint8 and a.ndim == 2).astype(np.int64)
    wzp = next(a for n, a in after.items() if a.dtype == np.uint8 and a.ndim == 1).astype(np.int64)
    wscale = next(a for n, a in after.items() if a.dtype == np.float32 and a.shape == (8,))
    # DynamicQuantizeLinear, as ONNX defines it (all x > 0, so its zero point is 0)
    scale = np.float32(x.max() / 255)
    xq = np.clip(np.rint(x / scale), 0, 255).astype(np.int64)
    expected = (xq @ (wq - wzp)).astype(np.float32) * scale * wscale
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"x": x})
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert np.abs(expected - x @ weight).max() < 0.05 * np.abs(x @ weight).max()


def test_the_detector_leaves_no_telemetry_behind(tmp_path: Path) -> None:
    """onnxruntime 1.32 writes a device id and queued usage events under ~/.cache/Microsoft (and looks up
    Microsoft's events host) unless told not to before its import: nothing of the kind may appear."""
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / ".cache")}
    env.pop("ORT_DISABLE_TELEMETRY", None)
    cmd = [sys.executable, "-m", "cli", "classify", "--text", "what keeps you up at night"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=120)
    assert proc.returncode == 0 and '"pain_probe"' in proc.stdout, proc.stderr
    left = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")]
    assert not [p for p in left if "Microsoft" in p or "onnxruntime" in p], left
