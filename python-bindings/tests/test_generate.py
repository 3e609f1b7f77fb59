"""Tests of bitsink.Decoder, bitsink.generate and the sampler, on the tiny
decoder of tiny_decoder.py (same entry signature as bitsink.models.llama),
checked against its dense numpy reference; and of the bitsink-generate
command line's argument handling."""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]
_PACKAGES = os.environ.get("BITSINK_PYTHON_PACKAGES", str(_REPO / "build" / "python_packages"))
sys.path.insert(0, _PACKAGES)
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import bitsink  # noqa: E402
from bitsink.generate import sample_token  # noqa: E402
from tiny_decoder import TinyModel  # noqa: E402

C, S, T = 16, 2, 4


@pytest.fixture(scope="module")
def model():
    return TinyModel(scale=3.0)


@pytest.fixture(scope="module")
def decoder(model):
    return bitsink.Decoder(model, cache=C, sinks=S, chunk=T)


def assert_close(got, expected):
    """f32 against the float64 reference: 1e-4 of the logits' scale."""
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-4 * np.abs(expected).max())


def random_ids(model, n, seed):
    return np.random.default_rng(seed).integers(2, model.config.vocab, n)


# The sampler.


def test_greedy_is_argmax():
    logits = np.array([0.5, 3.0, -1.0, 3.0, np.nan], np.float32)
    assert sample_token(logits) == 1  # first of the largest, NaN never wins
    assert sample_token(logits, temperature=0) == 1
    # top_k = 1 and a tiny top_p keep only the largest.
    rng = np.random.default_rng(0)
    assert all(sample_token(logits, 2.0, top_k=1, rng=rng) == 1 for _ in range(20))
    assert all(sample_token(logits, 2.0, top_p=1e-6, rng=rng) == 1 for _ in range(20))


def test_seeded_sampling_is_deterministic():
    logits = np.random.default_rng(1).standard_normal(100)

    def run(seed):
        rng = np.random.default_rng(seed)
        return [sample_token(logits, 0.7, top_k=20, top_p=0.9, rng=rng) for _ in range(50)]

    assert run(5) == run(5)
    assert run(5) != run(6)


def test_top_k_and_top_p_sets():
    logits = np.log(np.array([0.05, 0.4, 0.1, 0.3, 0.15]))
    rng = np.random.default_rng(2)
    picks = [sample_token(logits, 1.0, top_k=2, rng=rng) for _ in range(400)]
    assert set(picks) == {1, 3}
    # 0.4 / 0.7 of the picks are token 1.
    assert abs(picks.count(1) / 400 - 0.4 / 0.7) < 0.08
    # top_p = 0.8: 0.4 + 0.3 < 0.8 <= 0.4 + 0.3 + 0.15.
    picks = [sample_token(logits, 1.0, top_p=0.8, rng=rng) for _ in range(400)]
    assert set(picks) == {1, 3, 4}
    # Temperature sharpens: at 0.05 the largest wins.
    assert {sample_token(logits, 0.05, rng=rng) for _ in range(50)} == {1}


def test_sampler_errors():
    with pytest.raises(ValueError, match="temperature"):
        sample_token(np.zeros(3), -1.0)
    with pytest.raises(ValueError, match="top_k"):
        sample_token(np.zeros(3), 1.0, top_k=0)
    with pytest.raises(ValueError, match="top_p"):
        sample_token(np.zeros(3), 1.0, top_p=1.5)


# The decoder against the dense reference.


def test_step_by_step_matches_reference(model, decoder):
    ids = random_ids(model, 3 * C, 0)  # the ring rolls over twice
    expected = model.reference(ids, C, S)
    decoder.reset()
    got = np.stack([decoder.step(t) for t in ids])
    assert decoder.length == len(ids)
    assert_close(got, expected)


@pytest.mark.parametrize("n", [1, 3, T, T + 1, 2 * T + 3, C - 1, C, C + 5, 3 * C])
def test_prefill_matches_reference(model, decoder, n):
    """Chunks, a padded last chunk, and tokens past the cache one by one
    all give the logits of streaming; the state continues correctly."""
    ids = random_ids(model, n + 3, n)
    expected = model.reference(ids, C, S)
    decoder.reset()
    logits = decoder.prefill(ids[:n])
    assert decoder.length == n
    assert_close(logits, expected[n - 1])
    for i in range(n, n + 3):
        assert_close(decoder.step(ids[i]), expected[i])


def test_caches_stay_in_place(model, decoder):
    """Every state result of both entries aliases its input: the decoder
    copies nothing back, and the arrays it allocated are the ones written."""
    assert decoder._copied == {"prefill": [], "decode": []}
    arrays = decoder.caches
    decoder.reset()
    decoder.prefill(random_ids(model, T, 10))
    decoder.step(5)
    assert all(a is b for a, b in zip(arrays, decoder.caches))
    assert arrays[0][0] == T + 1
    assert arrays[1][0, :, T].any() and (arrays[3][0, : T + 1] == np.arange(T + 1)).all()


def test_padding_leaves_no_trace(model, decoder):
    """After a padded chunk the positions of the padding slots are -1 and
    the length counts the real tokens only."""
    decoder.reset()
    decoder.prefill(random_ids(model, T + 1, 7))
    positions = decoder.caches[3]
    assert decoder.length == T + 1
    assert (positions[0, T + 1:] == -1).all() and (positions[0, : T + 1] >= 0).all()


def test_reset(model, decoder):
    ids = random_ids(model, 5, 8)
    decoder.reset()
    first = decoder.prefill(ids)
    decoder.prefill(ids)
    decoder.reset()
    assert decoder.length == 0
    np.testing.assert_array_equal(decoder.prefill(ids), first)


def test_prefill_errors(decoder):
    with pytest.raises(ValueError, match="at least one token"):
        decoder.prefill([])
    with pytest.raises(ValueError, match="token ids must be in"):
        decoder.prefill([10_000])
    with pytest.raises(ValueError, match="token ids must be in"):
        decoder.step(-1)


def test_default_cpu_pipeline_prefetches_weights(model, decoder):
    # The CPU default prefetches the next tile of the f32 weights; a given
    # pipeline is used as it is. Prefetches cannot change values.
    assert decoder.pipeline == bitsink.generate.DEFAULT_CPU_PIPELINE
    assert "matmul-prefetch-rhs=true" in decoder.pipeline
    plain = bitsink.Decoder(model, cache=C, sinks=S, chunk=T,
                            pipeline="bitsink-cpu-pipeline")
    assert plain.pipeline == "bitsink-cpu-pipeline"
    ids = random_ids(model, 2 * T + 1, seed=7)
    decoder.reset()
    np.testing.assert_array_equal(decoder.prefill(ids), plain.prefill(ids))


def test_decoder_arguments(model):
    with pytest.raises(ValueError, match="sinks must be in"):
        bitsink.Decoder(model, cache=8, sinks=8)
    with pytest.raises(ValueError, match="chunk must be in"):
        bitsink.Decoder(model, cache=8, sinks=2, chunk=9)


def test_module_transform_binds_weights(model):
    """module_transform sees the module of both entries; weights it binds
    as constants are no longer passed, and the logits do not change."""
    seen = []

    def bind_all(module):
        seen.append(module)
        for entry in ("prefill", "decode"):
            module.bind_arguments(entry, {n: model.weights[n] for n in model.weight_names})

    decoder = bitsink.Decoder(model, cache=C, sinks=S, chunk=T, module_transform=bind_all)
    assert len(seen) == 1 and isinstance(seen[0], bitsink.Module)
    assert all(not w for w in decoder._weights.values())
    ids = random_ids(model, 9, 9)
    assert_close(decoder.prefill(ids), model.reference(ids, C, S)[-1])


# generate.


def greedy_reference(model, prompt, count):
    ids = list(prompt)
    for _ in range(count):
        ids.append(int(np.argmax(model.reference(ids, C, S)[-1])))
    return ids[len(prompt):]


def test_greedy_generation_past_the_cache(model, decoder):
    """Greedy tokens equal the reference's argmax at every step, for three
    times the cache capacity."""
    prompt = model.encode("hello world")
    result = bitsink.generate(decoder, prompt, 3 * C, stop=())
    assert result.tokens == greedy_reference(model, prompt, 3 * C)
    assert result.stop_reason == "length"
    assert result.decode_steps == 3 * C - 1
    assert decoder.length == len(prompt) + 3 * C - 1


def test_seeded_generation_is_deterministic(model, decoder):
    run = lambda seed: bitsink.generate(decoder, "abc", 20, temperature=50.0, top_k=8,  # noqa: E731
                                        top_p=0.95, seed=seed, stop=()).tokens
    assert run(11) == run(11)
    assert run(11) != run(12)


def test_stop_token(model, decoder):
    prompt = model.encode("hello")
    greedy = greedy_reference(model, prompt, 10)
    stop_at = greedy[4]
    result = bitsink.generate(decoder, prompt, 10, stop=(stop_at,))
    cut = greedy.index(stop_at)
    assert result.tokens == greedy[:cut]
    assert result.stop_reason == "eos"


def test_stop_string_and_callback(model, decoder):
    prompt = model.encode("hello")
    full = model.decode(greedy_reference(model, prompt, 12))
    stop = full[5:7]
    pieces = []
    result = bitsink.generate(decoder, prompt, 12, stop=(stop,),
                              callback=lambda token, piece: pieces.append((token, piece)))
    assert result.stop_reason == "stop"
    assert result.text == full[: full.index(stop)]
    assert "".join(piece for _, piece in pieces) == result.text
    assert [token for token, _ in pieces if token is not None] == result.tokens


def test_callback_streams_every_token(model, decoder):
    pieces = []
    result = bitsink.generate(decoder, "hi", 8, stop=(),
                              callback=lambda token, piece: pieces.append((token, piece)))
    assert [token for token, _ in pieces if token is not None] == result.tokens
    assert "".join(piece for _, piece in pieces) == result.text == model.decode(result.tokens)


def test_zero_tokens(model, decoder):
    result = bitsink.generate(decoder, "hi", 0)
    assert result.tokens == [] and result.text == "" and result.decode_steps == 0
    assert result.prompt_tokens == 3


def test_generate_from_model(model):
    result = bitsink.generate(model, [0, 5, 6], 3, stop=())
    assert len(result.tokens) == 3


# Packaging and the command line.


def test_lazy_exports():
    code = ("import sys, bitsink; assert 'bitsink.generate' not in sys.modules; "
            "assert callable(bitsink.generate); import bitsink.generate as g; "
            "assert g is bitsink.generate and bitsink.Decoder is g.Decoder; "
            "assert g.generate.__name__ == 'generate'")
    env = dict(os.environ, PYTHONPATH=_PACKAGES)
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def run_cli(*args):
    env = dict(os.environ, PYTHONPATH=_PACKAGES)
    return subprocess.run([sys.executable, "-m", "bitsink.cli.generate", *args],
                          capture_output=True, text=True, env=env)


def test_cli_help_and_errors(tmp_path):
    out = run_cli("--help")
    assert out.returncode == 0 and "--max-new-tokens" in out.stdout and "--bits" in out.stdout
    out = run_cli(str(tmp_path / "missing.gguf"), "--prompt", "hi")
    assert out.returncode == 1 and out.stderr.startswith("bitsink-generate: error:")
    out = run_cli("model.gguf")
    assert out.returncode == 2 and "--prompt" in out.stderr
    help_text = run_cli("--help").stdout
    assert "--gemv-lut-int8" in help_text and "--gemm-int8" in help_text
    assert "--gemv-lut-int16" in help_text
    # One table kernel at a time.
    out = run_cli("model.gguf", "--prompt", "hi", "--bits", "3",
                  "--gemv-lut-int8", "--gemv-lut-int16")
    assert out.returncode == 2 and "not allowed with" in out.stderr


def test_launcher():
    launcher = pathlib.Path(_PACKAGES).parent / "bin" / "bitsink-generate"
    if not launcher.exists():
        pytest.skip(f"no launcher at {launcher}")
    out = subprocess.run([str(launcher), "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "bitsink-generate" in out.stdout
