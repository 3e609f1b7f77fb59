"""The llama.cpp peer (llama-cpp-python, built from source by bench/setup.sh):
requantisation with llama.cpp's own quantiser, perplexity over given tokens,
prefill and decode speed, bits per weight from the GGUF's tensor types.

Requantisation starts from the only checkpoint the package ships, the Q4_1
GGUF (allow_requantize): that is what a user without the f16 checkpoint
does, and the 2/3-bit types inherit Q4_1's rounding error on top of theirs.
No importance matrix: llama_model_quantize_params.imatrix is a pointer to a
C++ std::unordered_map<std::string, std::vector<float>> that only the C++
llama-quantize CLI builds (from an .imatrix file); llama-cpp-python exposes
it as a void* and has no way to build that map from Python."""

import ctypes
import os
import time

import numpy as np

# name -> (llama_ftype, pure): the K-quant mixes llama-quantize offers as
# Q2_K, Q3_K_M and Q4_K_M, and Q2_K with pure=True (every tensor of the one
# type, the fewest bits llama.cpp's K-quants reach without an imatrix).
# SmolLM2's hidden size 576 is not a multiple of the K-quants' 256-weight
# super-block, so every projection whose input is 576 wide (all but
# ffn_down) falls back to a legacy type (Q4_0 / Q5_0 / Q8_0): see
# tensor_summary. (Q3_K_S gives a file identical to Q2_K's mix here.)
FTYPES = {"Q2_K-pure": (10, True), "Q2_K": (10, False),
          "Q3_K_M": (12, False), "Q4_K_M": (15, False)}
SOURCE = "Q4_1"

LINEAR = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up",
          "ffn_down")


def quantized_path(cache_dir, source, name):
    if name == SOURCE:
        return source
    return os.path.join(cache_dir, f"SmolLM2-135M-Instruct.{name}.gguf")


def requantize(source, cache_dir, names=tuple(FTYPES), log=print):
    """Writes (once) each requantised GGUF under cache_dir; returns
    {name: path} including the source."""
    import llama_cpp
    os.makedirs(cache_dir, exist_ok=True)
    paths = {SOURCE: source}
    for name in names:
        out = quantized_path(cache_dir, source, name)
        paths[name] = out
        if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(
                source):
            continue
        params = llama_cpp.llama_model_quantize_default_params()
        params.ftype, params.pure = FTYPES[name]
        params.allow_requantize = True
        params.nthread = os.cpu_count() or 1
        t0 = time.time()
        tmp = out + ".tmp"
        rc = llama_cpp.llama_model_quantize(source.encode(), tmp.encode(),
                                            ctypes.byref(params))
        if rc != 0:
            raise RuntimeError(f"llama_model_quantize({name}) returned {rc}")
        os.replace(tmp, out)
        log(f"llama.cpp quantize {SOURCE} -> {name}: {time.time() - t0:.1f} s,"
            f" {out}")
    return paths


def tensor_summary(path):
    """Types and bits per weight of the GGUF: 'linear' = the 7 projections
    of every block (what bitsink quantises), 'embd' = token_embd (tied with
    the output), 'file' = every tensor."""
    from gguf import GGUFReader
    reader = GGUFReader(path)
    lin_bytes = lin_params = all_bytes = all_params = 0
    lin_types = {}
    embd = None
    for t in reader.tensors:
        n = int(np.prod([int(x) for x in t.shape]))
        all_bytes += int(t.n_bytes)
        all_params += n
        kind = t.name.split(".")[-2] if t.name.startswith("blk.") else t.name
        if kind in LINEAR:
            lin_bytes += int(t.n_bytes)
            lin_params += n
            key = f"{kind}:{t.tensor_type.name}"
            lin_types[key] = lin_types.get(key, 0) + 1
        if t.name == "token_embd.weight":
            embd = t.tensor_type.name
    by_type = {}
    for key, count in lin_types.items():
        kind, ty = key.split(":")
        by_type.setdefault(ty, []).append(f"{kind}x{count}")
    return {
        "linear_bpw": 8.0 * lin_bytes / lin_params,
        "file_bpw": 8.0 * all_bytes / all_params,
        "linear_params": lin_params,
        "linear_types": {ty: sorted(v) for ty, v in by_type.items()},
        "embd_type": embd,
        "file_bytes": os.path.getsize(path),
    }


def _open(path, n_ctx, threads, logits_all, n_batch=512):
    import llama_cpp
    return llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_batch=n_batch,
                           n_ubatch=n_batch, n_threads=threads,
                           n_threads_batch=threads, logits_all=logits_all,
                           verbose=False, seed=0)


def perplexity_nll(path, ids, threads):
    """NLL of ids[1:] given their prefixes with llama.cpp's ordinary full
    causal attention: the tokens are evaluated in one context of len(ids)
    (batches of 512, the KV cache kept), every logit is kept (logits_all),
    and each token from the second on is scored (float64 log-softmax). This
    is the dense row of the StreamingLLM table: nothing evicted. Returns
    (nll [n - 1], seconds)."""
    n = len(ids)
    llm = _open(path, n, threads, logits_all=True)
    try:
        llm.reset()
        t0 = time.time()
        llm.eval(list(ids))
        secs = time.time() - t0
        return _nll(llm.scores[:n - 1], ids), secs
    finally:
        llm.close()


def chunked_nll(path, ids, threads, chunk):
    """llama.cpp's perplexity at a context of `chunk` tokens: the tokens in
    consecutive chunks of `chunk`, each evaluated in a fresh context (what
    llama-perplexity does with -c chunk, except that every token of a chunk
    but its first is scored, not only the second half). Returns nll [n-1]
    with NaN for the first token of each chunk (not predicted), dropped."""
    llm = _open(path, chunk, threads, logits_all=True)
    out = []
    try:
        for start in range(0, len(ids), chunk):
            part = list(ids[start:start + chunk])
            if len(part) < 2:
                break
            llm.reset()
            llm.eval(part)
            out.append(_nll(llm.scores[:len(part) - 1], part))
        return np.concatenate(out)
    finally:
        llm.close()


def recompute_nll(path, ids, threads, window, targets):
    """Sliding window with re-computation: for each position t in
    `targets`, a fresh context evaluates ids[t - window : t] (positions 0 ..
    window - 1) and its last logits score ids[t]. The same tokens are
    visible as to a window-only cache of `window` slots, each re-encoded at
    its position inside the window. Returns nll [len(targets)]."""
    import llama_cpp
    llm = _open(path, window, threads, logits_all=False)
    out = np.empty(len(targets))
    try:
        for j, t in enumerate(targets):
            llm.reset()
            llm.eval(list(ids[t - window:t]))
            logits = np.ctypeslib.as_array(
                llama_cpp.llama_get_logits_ith(llm.ctx, -1),
                shape=(1, llm.n_vocab()))
            out[j] = _nll(logits, [0, ids[t]])[0]
        return out
    finally:
        llm.close()


def _nll(logits, ids):
    """NLL of ids[1:] under logits rows 0..n-2 (float64 log-softmax)."""
    logits = np.asarray(logits, dtype=np.float64)
    m = logits.max(axis=1, keepdims=True)
    lse = (m[:, 0] + np.log(np.exp(logits - m).sum(axis=1)))
    tgt = logits[np.arange(len(ids) - 1), np.asarray(ids[1:])]
    return lse - tgt


def speed(path, ids, threads, prefill=512, steps=128, rounds=3):
    """Prefill tokens/s (one batch of `prefill` tokens from an empty cache)
    and decode tokens/s (`steps` single-token llama_decode calls following
    that prompt, positions prefill .. prefill + steps - 1, each the greedy
    choice of the previous logits, so no Python sampling sits in the loop
    beyond an argmax). Best round of `rounds`. Calls llama_decode through
    the low-level API so that logits_all copies stay out of the timing."""
    import llama_cpp
    llm = _open(path, prefill + steps + 8, threads, logits_all=False,
                n_batch=prefill)
    try:
        ctx = llm.ctx
        n_vocab = llm.n_vocab()
        batch = llama_cpp.llama_batch_init(prefill, 0, 1)
        mem = llama_cpp.llama_get_memory(ctx)

        def fill(tokens, start, last_only=True):
            batch.n_tokens = len(tokens)
            for i, tok in enumerate(tokens):
                batch.token[i] = tok
                batch.pos[i] = start + i
                batch.n_seq_id[i] = 1
                batch.seq_id[i][0] = 0
                batch.logits[i] = (i == len(tokens) - 1) or not last_only

        best_pf = best_dec = float("inf")
        prompt = list(ids[:prefill])
        for _ in range(rounds):
            llama_cpp.llama_memory_clear(mem, True)
            fill(prompt, 0)
            t0 = time.perf_counter()
            if llama_cpp.llama_decode(ctx, batch) != 0:
                raise RuntimeError("llama_decode (prefill) failed")
            best_pf = min(best_pf, time.perf_counter() - t0)
            logits = np.ctypeslib.as_array(
                llama_cpp.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))
            tok = int(logits.argmax())
            t0 = time.perf_counter()
            for s in range(steps):
                fill([tok], prefill + s)
                if llama_cpp.llama_decode(ctx, batch) != 0:
                    raise RuntimeError("llama_decode (step) failed")
                logits = np.ctypeslib.as_array(
                    llama_cpp.llama_get_logits_ith(ctx, -1), shape=(n_vocab,))
                tok = int(logits.argmax())
            best_dec = min(best_dec, time.perf_counter() - t0)
        llama_cpp.llama_batch_free(batch)
        return prefill / best_pf, steps / best_dec
    finally:
        llm.close()
