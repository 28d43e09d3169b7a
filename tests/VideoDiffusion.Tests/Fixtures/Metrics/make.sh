#!/usr/bin/env bash
# Regenerates the metric fixtures of FfmpegAgreementTests: three reference frames, three distorted frames, and
#   ssim.log  from ffmpeg's ssim filter  (per frame: R, G, B and All = their mean, 6 decimals)
#   psnr.log  from ffmpeg's psnr filter  (per frame: mse_avg, psnr_avg over R, G, B, 2 decimals)
#   gaussian_ssim.txt  from ssim_reference.py, an independent NumPy implementation of Wang et al. (2004)
# Both filters get planar RGB (gbrp), so ffmpeg compares the RGB values themselves, not YUV.
# Run from this folder: bash make.sh   (needs: apt-get install -y ffmpeg imagemagick python3-numpy)
set -euo pipefail
CONVERT=${CONVERT:-/usr/bin/convert}
FF="ffmpeg -hide_banner -loglevel error -y"
rm -f ./*.png ./*.log gaussian_ssim.txt

$CONVERT rose: ref_1.png
$CONVERT rose: -roll +3+1 ref_2.png
$CONVERT rose: -flop ref_3.png
$CONVERT ref_1.png -seed 7 -attenuate 0.6 +noise Gaussian dist_1.png
$CONVERT ref_2.png -blur 0x1.2 dist_2.png
$CONVERT ref_3.png -quality 25 jpg:- | $CONVERT jpg:- -define png:color-type=2 dist_3.png

$FF -i dist_%d.png -i ref_%d.png -lavfi "[0:v]format=gbrp[a];[1:v]format=gbrp[b];[a][b]ssim=stats_file=ssim.log" -f null -
$FF -i dist_%d.png -i ref_%d.png -lavfi "[0:v]format=gbrp[a];[1:v]format=gbrp[b];[a][b]psnr=stats_file=psnr.log" -f null -

for i in 1 2 3; do
  $CONVERT ref_$i.png -depth 8 rgb:ref_$i.rgb
  $CONVERT dist_$i.png -depth 8 rgb:dist_$i.rgb
done
/usr/bin/python3 ssim_reference.py 70 46 > gaussian_ssim.txt
rm -f ./*.rgb
cat ssim.log psnr.log gaussian_ssim.txt
