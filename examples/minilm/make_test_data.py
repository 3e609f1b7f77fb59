#!/usr/bin/env python3
"""Make the small committed inputs of the MiniLM end-to-end tests.

Writes examples/minilm/testdata/ (a few kB):
  sentences.json     8 STS-style sentence pairs (our own text, none of them
                     in sentences.txt, the calibration text) with a
                     similarity grade 0-5 given by hand
  ids.npy, mask.npy  token ids and attention mask of the 16 sentences
                     (a, b of each pair), 16 x 16 int64 (the batch and
                     length of the import, padded with [PAD] = 0)
  ref.npy            their sentence embeddings computed by the real model in
                     PyTorch (the torch module of import_minilm.py on the
                     safetensors weights; cross-checked here against the
                     numpy forward pass of extract_layers.py, which is itself
                     checked against sbert.net's published similarities)

Needs torch (the venv of docs/model-import.md):
  /work/bench-venv/bin/python examples/minilm/make_test_data.py
"""

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from extract_layers import MiniLM, WordPiece, find_model_dir  # noqa: E402
from import_minilm import load_weights, make_module  # noqa: E402

BATCH, SEQ = 16, 16

# (sentence a, sentence b, similarity 0-5 by hand)
PAIRS = [
    ("A dog runs across the park.", "A puppy is running through the grass.", 4.2),
    ("Share prices tumbled this morning.", "Equity values dropped a lot today.", 4.3),
    ("She is cooking pasta for dinner.", "He repaired the car engine.", 0.3),
    ("The train leaves at noon.", "The train departs at twelve o'clock.", 4.8),
    ("I love reading books.", "Reading novels is my favourite hobby.", 3.8),
    ("The sky is blue.", "Quantum computers use qubits.", 0.0),
    ("Children play football.", "Kids are playing soccer outside.", 4.0),
    ("The meeting was cancelled.", "We had a long meeting.", 1.8),
]


def encode(wp, sentences):
    ids = np.zeros((len(sentences), SEQ), np.int64)
    mask = np.zeros((len(sentences), SEQ), np.int64)
    for b, s in enumerate(sentences):
        t = wp.encode(s, SEQ)
        ids[b, :len(t)] = t
        mask[b, :len(t)] = 1
    return ids, mask


def main():
    import torch
    model_dir = find_model_dir()
    cfg = json.loads((model_dir / "config.json").read_text())
    module, names = make_module(cfg)
    w = load_weights(model_dir)
    weights = [torch.from_numpy(np.ascontiguousarray(w[n])) for n in names]
    wp = WordPiece(model_dir / "vocab.txt")
    numpy_model = MiniLM(model_dir)

    def embed(ids, mask):
        with torch.no_grad():
            e = module(torch.from_numpy(ids), torch.from_numpy(mask), *weights)
        e = e.numpy().astype(np.float32)
        ref = numpy_model.embed([list(ids[b, :mask[b].sum()])
                                 for b in range(ids.shape[0])])
        err = float(np.abs(e - ref).max())
        assert err < 1e-5, f"torch and numpy forward passes differ by {err}"
        return e

    out = HERE / "testdata"
    out.mkdir(exist_ok=True)
    flat = [s for a, b, _ in PAIRS for s in (a, b)]
    assert len(flat) == BATCH
    ids, mask = encode(wp, flat)
    np.save(out / "ids.npy", ids)
    np.save(out / "mask.npy", mask)
    np.save(out / "ref.npy", embed(ids, mask))
    (out / "sentences.json").write_text(json.dumps(
        {"batch": BATCH, "seq": SEQ,
         "pairs": [{"a": a, "b": b, "score": s} for a, b, s in PAIRS]},
        indent=1) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
