#!/usr/bin/env python3
"""Output-error table of rtn / bpdq / trit on the 36 linear layers of
all-MiniLM-L6-v2 (docs/quantization.md).

Input: a directory written by extract_layers.py (weights K x N, calibration
and held-out activations). For every layer and configuration it runs

  bitsink-quantize --weight W.npy --calibration Xcal.npy --method M
                   --planes P --group-size G --json --out packed.npz

takes bits_per_weight and rel_error (calibration data) from the JSON line,
dequantizes packed.npz itself in numpy (bitplane.py, docs/semantics.md §2.3: an
independent check of the packing), checks that its own calibration error
matches the tool's, and measures the held-out error
‖X_eval(W−Ŵ)‖_F / ‖X_eval·W‖_F. rtn is also re-implemented in numpy
(bitplane.rtn_reference) and its held-out error printed next to the tool's.

  python3 examples/minilm/extract_layers.py /tmp/minilm-layers
  python3 examples/minilm/quality_table.py /tmp/minilm-layers \\
      --tool build-m/bin/bitsink-quantize --results /tmp/minilm-results.json

Results are cached per (layer, config) in --results, so an interrupted run
resumes; --markdown writes the table section used in docs/quantization.md.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bitplane as bp  # noqa: E402

# (method, stored planes P, label)
METHODS = [
    ("rtn", 2, "rtn 2-bit"),
    ("rtn", 3, "rtn 3-bit"),
    ("rtn", 4, "rtn 4-bit"),
    ("bpdq", 2, "bpdq 2-bit"),
    ("bpdq", 3, "bpdq 3-bit"),
    ("bpdq", 4, "bpdq 4-bit"),
    ("trit", 2, "trit, 1 trit-plane"),
    ("trit", 4, "trit, 2 trit-planes"),
]
REFERENCE = [  # numpy yardstick (bitplane.gptq_reference), with --gptq-reference
    ("gptq-np", 2, "numpy GPTQ 2-bit (reference)"),
    ("gptq-np", 3, "numpy GPTQ 3-bit (reference)"),
    ("gptq-np", 4, "numpy GPTQ 4-bit (reference)"),
]
GROUPS = [64, 128]
KIND = {"rtn": "binary", "bpdq": "binary", "trit": "ternary"}

LLAMA_CPP = [  # for orientation only: different formats, not measured here
    ("Q2_K", 2.625), ("IQ2_XS", 2.3125), ("TQ2_0", 2.0625), ("Q3_K", 3.4375),
]


def key(layer, method, P, g):
    return f"{layer}|{method}|{P}|{g}"


def find_tool(explicit):
    if explicit:
        return explicit
    root = Path(__file__).resolve().parents[2]
    for b in ("build-m", "build"):
        p = root / b / "bin" / "bitsink-quantize"
        if p.exists():
            return str(p)
    p = shutil.which("bitsink-quantize")
    if p:
        return p
    sys.exit("error: bitsink-quantize not found; pass --tool")


def load_packed(path):
    z = np.load(path, allow_pickle=False)
    names = set(z.files)
    planes = z["planes"]
    coeffs = z["coeffs"]
    extra = {k: z[k] for k in names - {"planes", "coeffs"}}
    return planes, coeffs, extra


def run_one(tool, wpath, xpath, method, P, g, K, tmp, extra_args):
    out = Path(tmp) / "packed.npz"
    if out.exists():
        out.unlink()
    cmd = [tool, "--weight", str(wpath), "--method", method, "--planes", str(P),
           "--group-size", str(g), "--json", "--out", str(out)] + extra_args
    if xpath is not None:
        cmd[3:3] = ["--calibration", str(xpath)]
    t0 = time.time()
    r = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.time() - t0
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\nexit {r.returncode}\n{r.stderr}")
    line = [l for l in r.stdout.splitlines() if l.strip().startswith("{")]
    if not line:
        raise RuntimeError(f"no JSON line from {' '.join(cmd)}:\n{r.stdout}")
    rep = json.loads(line[-1])
    planes, coeffs, extra = load_packed(out)
    kind = KIND[method]
    if "config" in extra:  # [K, N, P, group size, kind 0/1/2]
        cfg = [int(v) for v in extra["config"]]
        assert cfg[0] == K and cfg[2] == P, f"config {cfg}"
        assert bp.KINDS[cfg[4]] == kind, f"config {cfg}: kind for {method}"
        assert cfg[3] == g or (g >= K and cfg[3] >= K), f"config {cfg}"
    What = bp.dequantize(planes, coeffs, K, g, kind)
    return rep, What, dt, (planes.shape, coeffs.shape, str(coeffs.dtype))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("layers", help="directory written by extract_layers.py")
    ap.add_argument("--tool", help="bitsink-quantize binary (default: "
                    "build-m/bin, build/bin, then PATH)")
    ap.add_argument("--results", default="minilm-results.json",
                    help="per-(layer, config) cache / raw results (JSON)")
    ap.add_argument("--markdown", help="write the table section here")
    ap.add_argument("--csv", help="write per-layer results (one row per "
                    "layer and configuration) here")
    ap.add_argument("--cal-rows", type=int, default=0,
                    help="subsample this many calibration tokens (fixed seed); "
                    "0 = all")
    ap.add_argument("--only", default="", help="comma list of layer names")
    ap.add_argument("--methods", default="", help="comma list of methods")
    ap.add_argument("--gptq-reference", action="store_true",
                    help="also run plain GPTQ in numpy on the rtn grid as a "
                    "yardstick (table rows marked 'reference')")
    ap.add_argument("--tool-arg", action="append", default=[],
                    help="extra argument passed to every tool call")
    args = ap.parse_args()

    tool = find_tool(args.tool)
    ldir = Path(args.layers)
    man = json.loads((ldir / "manifest.json").read_text())
    layers = [l for l in man["layers"]
              if not args.only or l["name"] in args.only.split(",")]
    methods = [m for m in METHODS
               if not args.methods or m[0] in args.methods.split(",")]
    res_path = Path(args.results)
    results = json.loads(res_path.read_text()) if res_path.exists() else {}
    meta = results.setdefault("_meta", {})
    if meta.get("cal_rows", 0) != args.cal_rows and len(results) > 1:
        sys.exit(f"error: {res_path} was made with --cal-rows "
                 f"{meta.get('cal_rows', 0)}; use another --results file")
    tool_hash = hashlib.sha256(Path(tool).read_bytes()).hexdigest()[:16]
    stale = [k for k, v in results.items()
             if k != "_meta" and v["method"] != "gptq-np"]
    if stale and meta.get("tool_sha256") != tool_hash:
        sys.exit(f"error: {res_path} holds results of another bitsink-quantize "
                 f"binary (sha256 {meta.get('tool_sha256')}, now {tool_hash}); "
                 f"use another --results file or delete it")
    meta["tool_sha256"] = tool_hash
    meta.update({"cal_rows": args.cal_rows, "tokens": man["tokens"],
                 "sentences": man["sentences"], "tool": tool,
                 "tool_args": args.tool_arg})

    t_start = time.time()
    with tempfile.TemporaryDirectory(prefix="minilm-q-") as tmp:
        for li, L in enumerate(layers):
            name, K, N = L["name"], L["K"], L["N"]
            W = np.load(ldir / f"{name}.W.npy")
            Xcal = np.load(ldir / f"{name}.Xcal.npy")
            Xev = np.load(ldir / f"{name}.Xeval.npy")
            xpath = ldir / f"{name}.Xcal.npy"
            if args.cal_rows and args.cal_rows < Xcal.shape[0]:
                rng = np.random.default_rng(0)
                idx = np.sort(rng.choice(Xcal.shape[0], args.cal_rows,
                                         replace=False))
                Xcal = np.ascontiguousarray(Xcal[idx])
                xpath = Path(tmp) / "Xcal.npy"
                np.save(xpath, Xcal)
            for method, P, _ in methods + (REFERENCE if args.gptq_reference else []):
                for g in GROUPS:
                    k = key(name, method, P, g)
                    if k in results:
                        continue
                    if method == "gptq-np":
                        t0 = time.time()
                        What = bp.gptq_reference(W, Xcal, P, g)
                        dt = time.time() - t0
                        cal, _, _ = bp.rel_output_error(Xcal, W, What)
                        ev, num, den = bp.rel_output_error(Xev, W, What)
                        results[k] = {
                            "layer": name, "K": K, "N": N, "method": method,
                            "P": P, "g": g, "seconds": dt,
                            "tool": {"bits_per_weight":
                                     bp.bits_per_weight(P, P + 1, g, K)},
                            "cal_err_numpy": cal, "eval_err": ev,
                            "eval_num": num, "eval_den": den}
                        print(f"[{li + 1}/{len(layers)}] {name:14s} gptq-np P={P} "
                              f"g={g:3d}  cal {cal:.4f}  eval {ev:.4f}  {dt:.1f}s",
                              flush=True)
                        continue
                    rep, What, dt, shapes = run_one(
                        tool, ldir / f"{name}.W.npy", xpath, method, P, g, K,
                        tmp, args.tool_arg)
                    cal, _, _ = bp.rel_output_error(Xcal, W, What)
                    ev, num, den = bp.rel_output_error(Xev, W, What)
                    r = {"layer": name, "K": K, "N": N, "method": method,
                         "P": P, "g": g, "tool": rep, "seconds": dt,
                         "shapes": [list(shapes[0]), list(shapes[1]), shapes[2]],
                         "cal_err_numpy": cal, "eval_err": ev,
                         "eval_num": num, "eval_den": den,
                         "weight_err": float(np.linalg.norm(W - What)
                                             / np.linalg.norm(W))}
                    if method == "rtn":
                        Wr = bp.rtn_reference(W, P, g)
                        r["eval_err_numpy_rtn"] = bp.rel_output_error(Xev, W, Wr)[0]
                        r["cal_err_numpy_rtn"] = bp.rel_output_error(Xcal, W, Wr)[0]
                    tool_err = rep.get("rel_error")
                    if tool_err is not None and abs(tool_err - cal) > 1e-3 * max(cal, 1e-6) + 1e-6:
                        print(f"WARNING {k}: tool rel_error {tool_err:.6g} but "
                              f"numpy dequantization gives {cal:.6g}",
                              file=sys.stderr)
                    results[k] = r
                    print(f"[{li + 1}/{len(layers)}] {name:14s} {method:4s} P={P} "
                          f"g={g:3d}  bpw={rep.get('bits_per_weight')}  cal "
                          f"{cal:.4f} (tool {tool_err})  eval {ev:.4f}  "
                          f"{dt:.1f}s", flush=True)
            res_path.write_text(json.dumps(results, indent=0))
    meta["seconds_this_run"] = time.time() - t_start
    res_path.write_text(json.dumps(results, indent=0))
    md = make_markdown(results, [l["name"] for l in layers],
                       methods + (REFERENCE if args.gptq_reference else []))
    print(md)
    if args.markdown:
        Path(args.markdown).write_text(md)
    if args.csv:
        write_csv(results, [l["name"] for l in layers], args.csv)


def write_csv(results, names, path):
    lines = ["layer,K,N,method,planes,group_size,bits_per_weight,"
             "cal_rel_error,eval_rel_error,weight_rel_error,seconds"]
    order = {m: i for i, (m, _, _) in enumerate(METHODS + REFERENCE)}
    rs = [v for k, v in results.items() if k != "_meta" and v["layer"] in names]
    rs.sort(key=lambda r: (names.index(r["layer"]), order[r["method"]],
                           r["P"], r["g"]))
    for r in rs:
        we = r.get("weight_err")
        lines.append(
            f"{r['layer']},{r['K']},{r['N']},{r['method']},{r['P']},{r['g']},"
            f"{r['tool']['bits_per_weight']:.4f},{r['cal_err_numpy']:.5f},"
            f"{r['eval_err']:.5f},{'' if we is None else f'{we:.5f}'},"
            f"{r['seconds']:.2f}")
    Path(path).write_text("\n".join(lines) + "\n")


def aggregate(results, names, method, P, g, field="eval"):
    rs = [results.get(key(n, method, P, g)) for n in names]
    if any(r is None for r in rs):
        return None
    if field == "eval":
        errs = [r["eval_err"] for r in rs]
        tot = np.sqrt(sum(r["eval_num"] ** 2 for r in rs)
                      / sum(r["eval_den"] ** 2 for r in rs))
    else:
        errs = [r["cal_err_numpy"] for r in rs]
        tot = None
    return {"mean": float(np.mean(errs)), "max": float(np.max(errs)),
            "total": None if tot is None else float(tot),
            "bpw": rs[0]["tool"].get("bits_per_weight"),
            "seconds": float(sum(r["seconds"] for r in rs)),
            "worst": max(rs, key=lambda r: r["eval_err"] if field == "eval"
                         else r["cal_err_numpy"])["layer"],
            "errs": errs}


def make_markdown(results, names, methods):
    meta = results.get("_meta", {})
    out = []
    out.append("| method | g | bits/weight | held-out rel. error, mean over "
               "layers | held-out, all layers pooled | calibration, mean | "
               "worst layer (held-out) | quantize time, s |")
    out.append("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |")
    agg = {}
    for method, P, label in methods:
        for g in GROUPS:
            a = aggregate(results, names, method, P, g)
            c = aggregate(results, names, method, P, g, "cal")
            if a is None:
                continue
            agg[(method, P, g)] = a
            bpw = a["bpw"]
            bpw_s = f"{bpw:.3f}" if isinstance(bpw, (int, float)) else "?"
            out.append(f"| {label} | {g} | {bpw_s} | {a['mean']:.4f} | "
                       f"{a['total']:.4f} | {c['mean']:.4f} | {a['worst']} "
                       f"({a['max']:.3f}) | {a['seconds']:.0f} |")
    out.append("")
    out.append("llama.cpp formats for orientation (bits per weight, not "
               "measured here): " + ", ".join(f"{n} {b}" for n, b in LLAMA_CPP)
               + ".")
    out.append("")
    for g in GROUPS:
        r2, b2 = agg.get(("rtn", 2, g)), agg.get(("bpdq", 2, g))
        r4, b3 = agg.get(("rtn", 4, g)), agg.get(("bpdq", 3, g))
        if r2 and b2:
            red = 1 - b2["mean"] / r2["mean"]
            redt = 1 - b2["total"] / r2["total"]
            out.append(f"- g = {g}: bpdq 2-bit vs rtn 2-bit: {100 * red:.1f}% "
                       f"lower mean held-out error ({100 * redt:.1f}% pooled); "
                       f"target ≥ 30%: {'met' if red >= 0.30 else 'NOT met'}.")
        if r4 and b3:
            ratio = b3["mean"] / r4["mean"]
            ratiot = b3["total"] / r4["total"]
            out.append(f"- g = {g}: bpdq 3-bit / rtn 4-bit held-out error = "
                       f"{ratio:.2f}× mean ({ratiot:.2f}× pooled); target ≤ "
                       f"1.5×: {'met' if ratio <= 1.5 else 'NOT met'}.")
    # per-layer losses of bpdq against rtn at the same P and g
    losses = []
    for method, P, _ in methods:
        if method != "bpdq":
            continue
        for g in GROUPS:
            for n in names:
                b = results.get(key(n, "bpdq", P, g))
                r = results.get(key(n, "rtn", P, g))
                if b and r and b["eval_err"] > r["eval_err"]:
                    losses.append(f"{n} P={P} g={g} ({b['eval_err']:.4f} vs "
                                  f"{r['eval_err']:.4f})")
    out.append(f"- layers where bpdq's held-out error exceeds rtn's at the "
               f"same P and g: {len(losses)}"
               + (": " + "; ".join(losses) if losses else "") + ".")
    # per layer type (q, k, v, attn_out, ffn_in, ffn_out), held-out mean
    types = []
    for n in names:
        t = n.split(".", 1)[1]
        if t not in types:
            types.append(t)
    cols = [(m, P, g) for (m, P, _) in methods for g in GROUPS
            if (m, P) in {("rtn", 2), ("bpdq", 2), ("trit", 2), ("rtn", 3),
                          ("bpdq", 3), ("rtn", 4), ("trit", 4)} and g == 128]
    if cols and len(types) > 1:
        out.append("")
        out.append("Held-out relative error by layer type (mean over the 6 "
                   "layers of that type), g = 128:")
        out.append("")
        out.append("| layer | K x N | " + " | ".join(
            f"{m} P={P}" for m, P, _ in cols) + " |")
        out.append("| --- | --- | " + " | ".join("---:" for _ in cols) + " |")
        for t in types:
            sel = [n for n in names if n.split(".", 1)[1] == t]
            r0 = results.get(key(sel[0], cols[0][0], cols[0][1], cols[0][2]))
            shape = f"{r0['K']} x {r0['N']}" if r0 else "?"
            cells = []
            for m, P, g in cols:
                rs = [results.get(key(n, m, P, g)) for n in sel]
                cells.append("?" if any(r is None for r in rs) else
                             f"{np.mean([r['eval_err'] for r in rs]):.4f}")
            out.append(f"| {t} | {shape} | " + " | ".join(cells) + " |")
        out.append("")
    tok = meta.get("tokens", {})
    out.append(f"- data: {tok.get('cal')} calibration tokens"
               + (f" (subsampled to {meta['cal_rows']})" if meta.get("cal_rows") else "")
               + f", {tok.get('eval')} held-out tokens.")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
