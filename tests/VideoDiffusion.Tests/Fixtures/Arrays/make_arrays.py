"""Writes the .npy, safetensors and IDX fixtures of NpyTests, SafeTensorsTests and IdxTests.

Independent writers: NumPy's own np.save / np.lib.format.write_array for .npy; for safetensors a direct
implementation of the published format (8-byte little-endian header size, JSON header, raw little-endian data;
https://github.com/huggingface/safetensors#format) using only the standard library and NumPy; for IDX the MNIST
page's description (big-endian magic, dimensions and data), gzip from the standard library.
Every array's values follow value(k) for the flat C-order index k, so the tests can recompute them.
Run from this folder: /usr/bin/python3 make_arrays.py   (Debian: apt-get install -y python3-numpy)
"""
import gzip
import json
import struct

import numpy as np

K = np.arange(24).reshape(2, 3, 4)
VALUES = {
    "u1": (K * 11) % 256,
    "i1": K - 12,
    "i2": (K - 12) * 1000,
    "i4": (K - 12) * 100000,
    "i8": (K - 12) * 10000000000,
    "f2": (K - 12) / 8.0,
    "f4": (K - 7.25) * 0.5,
    "f8": (K - 7.25) / 3.0,
    "b1": K % 3 == 0,
}

# .npy: every dtype in C and Fortran order, format version 1.0.
for code, values in VALUES.items():
    dtype = np.dtype(code if code == "b1" else "<" + code)
    array = values.astype(dtype)
    np.save(f"{code}_c.npy", np.ascontiguousarray(array))
    np.save(f"{code}_f.npy", np.asfortranarray(array))
# Versions 2.0 and 3.0, big-endian, 0-d, empty and 1-d arrays.
for version in (2, 3):
    with open(f"f4_v{version}.npy", "wb") as f:
        np.lib.format.write_array(f, VALUES["f4"].astype("<f4"), version=(version, 0))
np.save("f4_big.npy", VALUES["f4"].astype(">f4"))
np.save("i8_big_f.npy", np.asfortranarray(VALUES["i8"].astype(">i8")))
np.save("scalar_f8.npy", np.array(2.5, dtype="<f8"))
np.save("empty_u1.npy", np.zeros((0, 3), dtype="u1"))
np.save("vector_i8.npy", np.arange(5, dtype="<i8") * -3)


def bf16_bytes(values):
    """bfloat16 bytes of values exactly representable in bfloat16 (the upper half of float32)."""
    bits = values.astype("<f4").view("<u4")
    assert np.all(bits & 0xFFFF == 0)
    return (bits >> 16).astype("<u2").tobytes()


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, (dtype, shape, data) in tensors.items():
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


write_safetensors(
    "all_dtypes.safetensors",
    {
        "f16": ("F16", (2, 3, 4), VALUES["f2"].astype("<f2").tobytes()),
        "bf16": ("BF16", (2, 3, 4), bf16_bytes(VALUES["f2"])),
        "f32": ("F32", (2, 3, 4), VALUES["f4"].astype("<f4").tobytes()),
        "f64": ("F64", (2, 3, 4), VALUES["f8"].astype("<f8").tobytes()),
        "i64": ("I64", (2, 3, 4), VALUES["i8"].astype("<i8").tobytes()),
        "u8": ("U8", (2, 3, 4), VALUES["u1"].astype("u1").tobytes()),
        "bool": ("BOOL", (2, 3, 4), VALUES["b1"].astype("u1").tobytes()),
        "scalar": ("F32", (), np.array(2.5, dtype="<f4").tobytes()),
        "empty": ("F32", (0, 4), b""),
    },
    {"format": "pt", "producer": "make_arrays.py"},
)
# A PyTorch-style state dict of nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2)): names are module paths.
w0 = (np.arange(12).reshape(3, 4) - 6) / 10.0
b0 = np.array([0.5, -0.25, 0.125])
w1 = (np.arange(6).reshape(2, 3) - 2) / 4.0
b1 = np.array([1.0, -1.0])
write_safetensors(
    "sequential.safetensors",
    {
        "0.weight": ("F32", (3, 4), w0.astype("<f4").tobytes()),
        "0.bias": ("F32", (3,), b0.astype("<f4").tobytes()),
        "2.weight": ("F32", (2, 3), w1.astype("<f4").tobytes()),
        "2.bias": ("F32", (2,), b1.astype("<f4").tobytes()),
    },
    None,
)


def write_idx(path, array, code, opener=open):
    with opener(path, "wb") as f:
        f.write(struct.pack(">BBBB", 0, 0, code, array.ndim))
        f.write(struct.pack(">" + "I" * array.ndim, *array.shape))
        f.write(array.tobytes())


def gunzip_stable(path, mode):
    """gzip with a fixed timestamp, so reruns give identical bytes."""
    return gzip.GzipFile(path, mode, mtime=0)


images = ((np.arange(3 * 5 * 4).reshape(3, 5, 4) * 7) % 256).astype("u1")
labels = np.array([7, 2, 9], dtype="u1")
write_idx("images-idx3-ubyte", images, 0x08)
write_idx("images-idx3-ubyte.gz", images, 0x08, gunzip_stable)
write_idx("labels-idx1-ubyte", labels, 0x08)
write_idx("labels-idx1-ubyte.gz", labels, 0x08, gunzip_stable)
write_idx("f4-idx3", VALUES["f4"].astype(">f4"), 0x0D)
write_idx("i2-idx3", VALUES["i2"].astype(">i2"), 0x0B)
write_idx("f8-idx3", VALUES["f8"].astype(">f8"), 0x0E)
