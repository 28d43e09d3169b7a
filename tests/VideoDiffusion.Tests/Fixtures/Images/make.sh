#!/usr/bin/env bash
# Regenerates the GIF/PNG fixtures of ExternalImageFixtureTests with Debian's ffmpeg (5.1) and ImageMagick (6.9).
# Each image X comes with the pixels a tool reports for it, as raw RGBA bytes [T, H, W, 4]:
#   X.ffmpeg.rgba  from  ffmpeg -i X -f rawvideo -pix_fmt rgba X.ffmpeg.rgba
#   X.im.rgba      from  convert X -coalesce -depth 8 rgba:X.im.rgba
# Run from this folder: bash make.sh   (needs: apt-get install -y ffmpeg imagemagick)
set -euo pipefail
CONVERT=${CONVERT:-/usr/bin/convert}
FF="ffmpeg -hide_banner -loglevel error -y"
rm -f ./*.gif ./*.png ./*.rgba

# Source frames: ffmpeg's deterministic test pattern, 4 frames of 24 x 16, and ImageMagick's built-in rose.
$FF -f lavfi -i testsrc2=size=24x16:rate=5 -frames:v 4 src_%d.png
$CONVERT rose: -resize 35x23! rose.png

# --- GIFs made by ffmpeg ---
# Default encoder: one global rgb8 palette; later frames are stored as changed sub-rectangles with transparency.
$FF -i src_%d.png -pix_fmt rgb8 ffmpeg_rgb8.gif
# palettegen/paletteuse: a 32-colour optimized palette, no dithering.
$FF -i src_%d.png -vf "split[a][b];[a]palettegen=max_colors=32[p];[b][p]paletteuse=dither=none" ffmpeg_palette.gif

# --- GIFs made by ImageMagick ---
# Two colours (LZW minimum code size 2).
$CONVERT -size 17x9 pattern:checkerboard -colors 2 im_2color.gif
# Interlaced.
$CONVERT rose.png -interlace GIF im_interlaced.gif
# Animation of sub-images at offsets with disposal Background (2), per-frame local colour tables, looping.
$CONVERT -delay 20 -loop 0 -dispose Background -size 30x20 xc:none \
  \( rose.png -crop 20x12+0+0 +repage -repage +0+0 \) \
  \( src_2.png -crop 12x9+4+3 +repage -repage +10+6 \) \
  \( src_3.png -crop 15x8+0+0 +repage -repage +3+9 \) \
  im_dispose_background.gif
# The same with disposal Previous (3) over an opaque first frame, looping twice.
$CONVERT -delay 15 -loop 2 -size 30x20 xc:navy -dispose Previous \
  \( rose.png -crop 12x10+5+5 +repage -repage +2+2 \) \
  \( src_2.png -crop 10x9+2+1 +repage -repage +14+6 \) \
  \( src_4.png -crop 16x8+0+0 +repage -repage +6+8 \) \
  im_dispose_previous.gif
# A transparent colour.
$CONVERT src_1.png -transparent "rgb(0,0,0)" -fuzz 0 im_transparent.gif

# --- PNGs made by ImageMagick: every colour type and bit depth, and Adam7 interlacing ---
$CONVERT rose.png -colorspace Gray -define png:color-type=0 -define png:bit-depth=1 im_gray1.png
$CONVERT rose.png -colorspace Gray -define png:color-type=0 -define png:bit-depth=2 im_gray2.png
$CONVERT rose.png -colorspace Gray -define png:color-type=0 -define png:bit-depth=4 im_gray4.png
$CONVERT rose.png -colorspace Gray -define png:color-type=0 -define png:bit-depth=8 im_gray8.png
$CONVERT rose.png -colorspace Gray -depth 16 -define png:color-type=0 -define png:bit-depth=16 im_gray16.png
$CONVERT rose.png -define png:color-type=2 -define png:bit-depth=8 im_rgb8.png
$CONVERT rose.png -depth 16 -evaluate multiply 0.9731 -define png:color-type=2 -define png:bit-depth=16 im_rgb16.png
$CONVERT rose.png -colors 13 -define png:color-type=3 -define png:bit-depth=4 im_palette4.png
$CONVERT rose.png -colors 200 PNG8:im_palette8.png
$CONVERT rose.png -alpha set -channel A -fx "(i+j)/(w+h)" +channel -colors 40 PNG8:im_palette_trns.png
$CONVERT rose.png -colorspace Gray -alpha set -channel A -fx "i/w" +channel -define png:color-type=4 -define png:bit-depth=8 im_grayalpha8.png
$CONVERT rose.png -alpha set -channel A -fx "j/h" +channel -define png:color-type=6 -define png:bit-depth=8 im_rgba8.png
$CONVERT rose.png -depth 16 -alpha set -channel A -fx "0.3+0.7*i/w" +channel -define png:color-type=6 -define png:bit-depth=16 im_rgba16.png
$CONVERT rose.png -interlace PNG -define png:color-type=2 im_rgb8_adam7.png
$CONVERT rose.png -colorspace Gray -interlace PNG -define png:color-type=0 -define png:bit-depth=2 im_gray2_adam7.png
$CONVERT rose.png -alpha set -channel A -fx "j/h" +channel -interlace PNG -depth 16 -define png:color-type=6 -define png:bit-depth=16 im_rgba16_adam7.png

# --- PNGs made by ffmpeg ---
$FF -i src_1.png -pix_fmt rgb24 ffmpeg_rgb24.png
$FF -i src_1.png -pix_fmt pal8 ffmpeg_pal8.png
$FF -i src_1.png -pix_fmt gray ffmpeg_gray.png
$FF -i src_1.png -pix_fmt ya8 ffmpeg_ya8.png
$FF -i src_1.png -pix_fmt rgba ffmpeg_rgba.png

rm -f src_*.png rose.png
for f in *.gif *.png; do
  $FF -i "$f" -f rawvideo -pix_fmt rgba "$f.ffmpeg.rgba"
  $CONVERT "$f" -coalesce -depth 8 "rgba:$f.im.rgba"
  # Frame count and size, for the test (width height frames).
  echo "$f $($CONVERT "$f" -format '%W %H\n' info: | head -1) $($CONVERT "$f" -format '%n\n' info: | head -1)"
done > sizes.txt
cat sizes.txt
