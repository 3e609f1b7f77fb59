"""Writes float32 .npy files and .npz archives for the lit tests, without numpy.

Usage: write-arrays.py [--ints] OUT.npz NAME=D0xD1[x...] ...
       write-arrays.py [--ints] OUT.npy D0xD1[x...]
Values are deterministic: sin(0.7 * i + 0.3) for the flat index i, or with
--ints the small integers (5 * i mod 9) - 4, whose products and sums are exact
in f32. Archives are stored like numpy.savez does (a zip of .npy members).
"""

import math
import struct
import sys
import zipfile


def npy_bytes(shape, integers):
    count = math.prod(shape)
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }" % dims
    # Magic (6) + version (2) + header length (2) + header, padded to 64.
    padding = 64 - (10 + len(header) + 1) % 64
    header = header + " " * padding + "\n"
    if integers:
        values = [float((5 * i) % 9 - 4) for i in range(count)]
    else:
        values = [math.sin(0.7 * i + 0.3) for i in range(count)]
    data = struct.pack("<%df" % count, *values)
    prefix = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header))
    return prefix + header.encode() + data


def parse_shape(text):
    return [int(d) for d in text.split("x")]


def main(argv):
    integers = "--ints" in argv
    args = [a for a in argv[1:] if a != "--ints"]
    out, specs = args[0], args[1:]
    if out.endswith(".npy"):
        with open(out, "wb") as f:
            f.write(npy_bytes(parse_shape(specs[0]), integers))
        return
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for spec in specs:
            name, dims = spec.rsplit("=", 1)
            archive.writestr(name + ".npy", npy_bytes(parse_shape(dims), integers))


if __name__ == "__main__":
    main(sys.argv)
