"""Independent reference for SSIM (Wang, Bovik, Sheikh, Simoncelli 2004) and PSNR on the fixture pairs.

Follows the authors' ssim_index.m: 11 x 11 Gaussian window with sigma 1.5 (normalized), K1 = 0.01, K2 = 0.03,
L = 255, 'valid' filtering, weighted (population) moments, no downsampling; SSIM per RGB channel, averaged.
Reads ref_N.rgb / dist_N.rgb (raw RGB bytes) for N = 1..3. Usage: python3 ssim_reference.py WIDTH HEIGHT
"""
import sys
import numpy as np

w, h = int(sys.argv[1]), int(sys.argv[2])
x = np.arange(11) - 5
g = np.exp(-(x ** 2) / (2 * 1.5 ** 2))
window = np.outer(g, g)
window /= window.sum()
c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2


def filt(img):
    views = np.lib.stride_tricks.sliding_window_view(img, (11, 11))
    return np.einsum("ijkl,kl->ij", views, window)


def ssim(a, b):
    mu_a, mu_b = filt(a), filt(b)
    var_a = filt(a * a) - mu_a ** 2
    var_b = filt(b * b) - mu_b ** 2
    cov = filt(a * b) - mu_a * mu_b
    m = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a ** 2 + mu_b ** 2 + c1) * (var_a + var_b + c2))
    return m.mean()


print("# frame gaussian_ssim psnr_db")
for n in (1, 2, 3):
    ref = np.fromfile(f"ref_{n}.rgb", dtype=np.uint8).reshape(h, w, 3).astype(np.float64)
    dist = np.fromfile(f"dist_{n}.rgb", dtype=np.uint8).reshape(h, w, 3).astype(np.float64)
    s = np.mean([ssim(dist[:, :, c], ref[:, :, c]) for c in range(3)])
    mse = np.mean((dist - ref) ** 2)
    print(f"{n} {s:.12f} {10 * np.log10(255 ** 2 / mse):.12f}")
