#!/usr/bin/env python3
"""Import all-MiniLM-L6-v2 into linalg-on-tensors MLIR with torch-mlir.

The model is written here as a small torch BERT (the same computation as
Hugging Face's BertModel with eager attention, plus sentence-transformers'
mean pooling and L2 normalisation) that takes its weights as arguments. It is
exported with torch.export and imported with torch-mlir's FX importer
(`torch_mlir.fx.export_and_import(..., output_type="linalg-on-tensors")`).
The weights stay function arguments, so the committed .mlir is small:

  func.func @main(%input_ids: tensor<B x S x i64>,
                  %attention_mask: tensor<B x S x i64>,
                  %w0, %w1, ... (the safetensors tensors, in PARAMS order))
      -> tensor<B x 384 x f32>   (normalised sentence embeddings)

`bind_weights.py` (numpy only) feeds the weights from the model's
safetensors, either as .npy inputs for `bitsink-run` or as `dense_resource`
constants for `bitsink-quantize-weights`.

Outputs (OUT defaults to examples/minilm/):
  minilm-bBxS.mlir          the import as torch-mlir prints it, which MLIR
                            22 parses (checked with bitsink-opt when
                            --bitsink-opt is given)
  minilm.params.json        argument order: names and shapes of the weights

Needs torch and torch-mlir (see docs/model-import.md for the venv):
  /work/bench-venv/bin/python examples/minilm/import_minilm.py --batch 4 --seq 16
"""

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bind_weights import load_weights  # noqa: E402
from extract_layers import find_model_dir  # noqa: E402


def param_names(num_layers):
    names = ["embeddings.word_embeddings.weight",
             "embeddings.position_embeddings.weight",
             "embeddings.token_type_embeddings.weight",
             "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]
    for i in range(num_layers):
        p = f"encoder.layer.{i}."
        for lin in ("attention.self.query", "attention.self.key",
                    "attention.self.value", "attention.output.dense"):
            names += [p + lin + ".weight", p + lin + ".bias"]
        names += [p + "attention.output.LayerNorm.weight",
                  p + "attention.output.LayerNorm.bias",
                  p + "intermediate.dense.weight", p + "intermediate.dense.bias",
                  p + "output.dense.weight", p + "output.dense.bias",
                  p + "output.LayerNorm.weight", p + "output.LayerNorm.bias"]
    return names


def make_module(cfg):
    import torch
    import torch.nn.functional as F

    H = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    dh = H // nh
    L = cfg["num_hidden_layers"]
    eps = cfg["layer_norm_eps"]
    names = param_names(L)

    class MiniLM(torch.nn.Module):
        """BertModel (eager attention) + mean pooling + normalize."""

        def forward(self, input_ids, attention_mask, *weights):
            w = dict(zip(names, weights))
            B, S = input_ids.shape
            pos = torch.arange(S, device=input_ids.device)
            h = (F.embedding(input_ids, w["embeddings.word_embeddings.weight"])
                 + F.embedding(pos, w["embeddings.position_embeddings.weight"])
                 [None]
                 + w["embeddings.token_type_embeddings.weight"][0][None, None])
            h = F.layer_norm(h, (H,), w["embeddings.LayerNorm.weight"],
                             w["embeddings.LayerNorm.bias"], eps)
            # HF's extended attention mask: 0 for tokens, finfo.min for padding.
            ext = attention_mask[:, None, None, :].to(torch.float32)
            ext = (1.0 - ext) * torch.finfo(torch.float32).min
            for i in range(L):
                p = f"encoder.layer.{i}."

                def lin(x, name):
                    return F.linear(x, w[p + name + ".weight"],
                                    w[p + name + ".bias"])

                def heads(x):
                    return x.view(B, S, nh, dh).transpose(1, 2)
                q = heads(lin(h, "attention.self.query"))
                k = heads(lin(h, "attention.self.key"))
                v = heads(lin(h, "attention.self.value"))
                s = torch.matmul(q, k.transpose(-1, -2)) / (dh ** 0.5)
                s = s + ext
                prob = torch.softmax(s, dim=-1)
                ctx = torch.matmul(prob, v).permute(0, 2, 1, 3).reshape(B, S, H)
                a = lin(ctx, "attention.output.dense")
                h = F.layer_norm(a + h, (H,),
                                 w[p + "attention.output.LayerNorm.weight"],
                                 w[p + "attention.output.LayerNorm.bias"], eps)
                f = F.gelu(lin(h, "intermediate.dense"))
                o = lin(f, "output.dense")
                h = F.layer_norm(o + h, (H,), w[p + "output.LayerNorm.weight"],
                                 w[p + "output.LayerNorm.bias"], eps)
            m = attention_mask[..., None].to(torch.float32)
            e = (h * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)
            return F.normalize(e, p=2.0, dim=1)

    return MiniLM(), names


def import_mlir(module, args):
    from torch_mlir import fx
    m = fx.export_and_import(module, *args, output_type="linalg-on-tensors",
                             func_name="main")
    return str(m)


def postprocess(text):
    """torch-mlir is built on a newer MLIR than ours (22). Its
    linalg-on-tensors output parses with MLIR 22 as it is; only the module's
    torch.debug_module_name attribute (if any) is dropped, nothing needs it."""
    text = re.sub(r"module attributes \{torch\.debug_module_name = [^}]*\} ",
                  "module ", text)
    return text


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--seq", type=int, default=16)
    ap.add_argument("--out", default=str(HERE))
    ap.add_argument("--model-dir")
    ap.add_argument("--bitsink-opt", help="check that MLIR 22 parses the result")
    args = ap.parse_args()

    import torch
    model_dir = find_model_dir(args.model_dir)
    cfg = json.loads((model_dir / "config.json").read_text())
    module, names = make_module(cfg)
    w = load_weights(model_dir)
    weights = [torch.from_numpy(np.ascontiguousarray(w[n])) for n in names]
    ids = torch.zeros((args.batch, args.seq), dtype=torch.int64)
    mask = torch.ones((args.batch, args.seq), dtype=torch.int64)
    text = postprocess(import_mlir(module, (ids, mask, *weights)))

    out = Path(args.out)
    path = out / f"minilm-b{args.batch}x{args.seq}.mlir"
    header = (f"// all-MiniLM-L6-v2 imported by examples/minilm/import_minilm.py "
              f"--batch {args.batch} --seq {args.seq}\n"
              f"// (torch {torch.__version__}, torch-mlir FX importer, "
              f"linalg-on-tensors). Arguments: input_ids, attention_mask, then "
              f"the {len(names)} weights of minilm.params.json.\n")
    path.write_text(header + text)
    (out / "minilm.params.json").write_text(json.dumps(
        {"model": "sentence-transformers/all-MiniLM-L6-v2",
         "params": [{"name": n, "shape": list(w[n].shape)} for n in names]},
        indent=1) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    if args.bitsink_opt:
        subprocess.run([args.bitsink_opt, str(path), "-o", "/dev/null"],
                       check=True)
        print("parses with", args.bitsink_opt)


if __name__ == "__main__":
    main()
