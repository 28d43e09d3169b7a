using System.Buffers.Binary;

namespace VideoDiffusion.IO;

/// <summary>
/// GIF87a/GIF89a reader (GIF89a specification, 1990) for untrusted bytes. A first pass walks the block structure
/// without decoding (so frame count and output size are known and checked before any pixel buffer exists); a second pass
/// decodes each image with <see cref="LzwDecoder"/> straight onto an RGBA canvas: global and local colour tables,
/// interlaced images, transparency, and disposal methods 0–3 (1 keep, 2 restore to transparent background, 3 restore
/// the previous canvas), images clipped to the logical screen. Colour indices beyond the table paint opaque black. An
/// image descriptor wider or taller than the logical screen is refused (its pixels would be decoded only to be
/// thrown away), so decoding costs at most one screen of pixels per frame.
/// </summary>
internal static class GifDecoder
{
    private const string Format = "GIF";

    private sealed class ImageBlock
    {
        public long Offset;
        public int Left;
        public int Top;
        public int Width;
        public int Height;
        public bool Interlaced;
        public int TableOffset = -1;
        public int TableEntries;
        public int MinCodeSize;
        public readonly List<(int Start, int Length)> Data = new();
        public int DataLength;
        public int Delay;
        public int Disposal;
        public int Transparent = -1;
    }

    /// <summary>Decodes a whole GIF held in memory.</summary>
    public static GifAnimation Decode(ReadOnlySpan<byte> data, GifReadOptions options)
    {
        var (width, height, globalOffset, globalEntries, loopCount, images) = Scan(data);
        var channels = options.KeepAlpha ? 4 : 3;
        var pixels = (long)width * height;
        if (pixels > options.MaxPixels || pixels * 4 > Array.MaxLength)
        {
            throw Corrupt.At(Format, 6, $"the logical screen is {width} x {height}, more than the {options.MaxPixels} pixels GifReadOptions.MaxPixels allows");
        }
        var outputBytes = pixels * channels * images.Count;
        if (outputBytes > options.MaxOutputBytes || outputBytes > Array.MaxLength)
        {
            throw Corrupt.At(Format, 6,
                $"{images.Count} frame(s) of {width} x {height} need {outputBytes} bytes, more than GifReadOptions.MaxOutputBytes ({options.MaxOutputBytes}) allows");
        }

        var result = new VideoFrames(images.Count, height, width, channels);
        var canvas = new byte[pixels * 4];
        byte[]? saved = null;
        var decoder = new LzwDecoder();
        var buffer = new byte[images.Max(i => i.DataLength)];
        var painter = new Painter(canvas, width, height);
        var delays = new int[images.Count];
        ImageBlock? previous = null;
        for (var t = 0; t < images.Count; t++)
        {
            var image = images[t];
            if (previous is not null)
            {
                if (previous.Disposal == 2)
                {
                    painter.Clear(previous.Left, previous.Top, previous.Width, previous.Height);
                }
                else if (previous.Disposal == 3 && saved is not null)
                {
                    saved.AsSpan().CopyTo(canvas);
                }
            }
            if (image.Disposal == 3)
            {
                saved ??= new byte[canvas.Length];
                canvas.AsSpan().CopyTo(saved);
            }

            var (tableOffset, tableEntries) = image.TableOffset >= 0 ? (image.TableOffset, image.TableEntries) : (globalOffset, globalEntries);
            if (tableOffset < 0)
            {
                throw Corrupt.At(Format, image.Offset, "the image has neither a local nor a global colour table");
            }
            var length = 0;
            foreach (var (start, count) in image.Data)
            {
                data.Slice(start, count).CopyTo(buffer.AsSpan(length));
                length += count;
            }
            painter.Begin(image.Left, image.Top, image.Width, image.Height, image.Interlaced,
                data.Slice(tableOffset, 3 * tableEntries).ToArray(), image.Transparent);
            decoder.Decode(buffer.AsSpan(0, length), image.MinCodeSize, painter, Format, image.Offset);

            var frame = result.Frame(t);
            if (channels == 4)
            {
                canvas.AsSpan().CopyTo(frame);
            }
            else
            {
                for (long p = 0; p < pixels; p++)
                {
                    frame[(int)(3 * p)] = canvas[4 * p];
                    frame[(int)(3 * p + 1)] = canvas[4 * p + 1];
                    frame[(int)(3 * p + 2)] = canvas[4 * p + 2];
                }
            }
            delays[t] = image.Delay;
            previous = image;
        }
        return new GifAnimation(result, delays, loopCount);
    }

    private static (int Width, int Height, int GlobalOffset, int GlobalEntries, int? Loop, List<ImageBlock> Images) Scan(ReadOnlySpan<byte> data)
    {
        var reader = new SpanReader(data, Format);
        var magic = reader.ReadBytes(6, "header");
        if (!magic.SequenceEqual("GIF89a"u8) && !magic.SequenceEqual("GIF87a"u8))
        {
            throw reader.Error("not a GIF file: the header is not GIF87a or GIF89a", 0);
        }
        int width = reader.ReadUInt16LE("logical screen width");
        int height = reader.ReadUInt16LE("logical screen height");
        if (width == 0 || height == 0)
        {
            throw reader.Error($"logical screen {width} x {height} is empty", 6);
        }
        var packed = reader.ReadByte("screen flags");
        reader.Skip(2, "background colour and aspect ratio");
        var globalOffset = -1;
        var globalEntries = 0;
        if ((packed & 0x80) != 0)
        {
            globalEntries = 1 << ((packed & 7) + 1);
            globalOffset = reader.Position;
            reader.Skip(3 * globalEntries, "global colour table");
        }

        int? loop = null;
        var images = new List<ImageBlock>();
        var pending = new ImageBlock();
        while (true)
        {
            if (reader.Remaining == 0 && images.Count > 0)
            {
                break; // A missing trailer after complete images is tolerated, as browsers do.
            }
            var blockOffset = reader.Offset;
            var introducer = reader.ReadByte("block introducer");
            if (introducer == 0x3B)
            {
                break;
            }
            if (introducer == 0x21)
            {
                var label = reader.ReadByte("extension label");
                if (label == 0xF9)
                {
                    var size = reader.ReadByte("graphic control block size");
                    if (size < 4)
                    {
                        throw reader.Error($"graphic control extension of {size} bytes, expected 4", blockOffset);
                    }
                    var body = reader.ReadBytes(size, "graphic control extension");
                    pending.Disposal = (body[0] >> 2) & 7;
                    pending.Delay = BinaryPrimitives.ReadUInt16LittleEndian(body[1..]);
                    pending.Transparent = (body[0] & 1) != 0 ? body[3] : -1;
                    SkipSubBlocks(ref reader);
                }
                else if (label == 0xFF)
                {
                    var size = reader.ReadByte("application block size");
                    var identifier = reader.ReadBytes(size, "application identifier");
                    var isLoop = size == 11 && (identifier.SequenceEqual("NETSCAPE2.0"u8) || identifier.SequenceEqual("ANIMEXTS1.0"u8));
                    while (true)
                    {
                        var n = reader.ReadByte("sub-block size");
                        if (n == 0)
                        {
                            break;
                        }
                        var sub = reader.ReadBytes(n, "application data");
                        if (isLoop && n >= 3 && sub[0] == 1)
                        {
                            loop = BinaryPrimitives.ReadUInt16LittleEndian(sub[1..]);
                        }
                    }
                }
                else
                {
                    SkipSubBlocks(ref reader);
                }
                continue;
            }
            if (introducer != 0x2C)
            {
                throw reader.Error($"unknown block introducer 0x{introducer:X2}", blockOffset);
            }

            var image = pending;
            pending = new ImageBlock();
            image.Offset = blockOffset;
            image.Left = reader.ReadUInt16LE("image left");
            image.Top = reader.ReadUInt16LE("image top");
            image.Width = reader.ReadUInt16LE("image width");
            image.Height = reader.ReadUInt16LE("image height");
            if (image.Width == 0 || image.Height == 0)
            {
                throw reader.Error($"image of {image.Width} x {image.Height} pixels", blockOffset);
            }
            if (image.Width > width || image.Height > height)
            {
                // Every decoded pixel costs time, visible or not: an image no larger than the screen keeps the work
                // per frame within the canvas that MaxPixels and MaxOutputBytes already bound.
                throw reader.Error(
                    $"image of {image.Width} x {image.Height} is larger than the {width} x {height} logical screen; expected at most the screen's width and height", blockOffset);
            }
            var flags = reader.ReadByte("image flags");
            image.Interlaced = (flags & 0x40) != 0;
            if ((flags & 0x80) != 0)
            {
                image.TableEntries = 1 << ((flags & 7) + 1);
                image.TableOffset = reader.Position;
                reader.Skip(3 * image.TableEntries, "local colour table");
            }
            var codeSizeOffset = reader.Offset;
            image.MinCodeSize = reader.ReadByte("LZW minimum code size");
            if (image.MinCodeSize is < 1 or > 8)
            {
                throw reader.Error($"LZW minimum code size {image.MinCodeSize} is outside 1 … 8", codeSizeOffset);
            }
            while (true)
            {
                var n = reader.ReadByte("image data sub-block size");
                if (n == 0)
                {
                    break;
                }
                image.Data.Add((reader.Position, n));
                image.DataLength += n;
                reader.Skip(n, "image data");
            }
            images.Add(image);
        }
        if (images.Count == 0)
        {
            throw reader.Error("the file holds no image");
        }
        return (width, height, globalOffset, globalEntries, loop, images);
    }

    private static void SkipSubBlocks(ref SpanReader reader)
    {
        while (true)
        {
            var n = reader.ReadByte("sub-block size");
            if (n == 0)
            {
                return;
            }
            reader.Skip(n, "sub-block");
        }
    }

    /// <summary>Paints decoded indices of one image onto the RGBA canvas, handling interlacing, clipping and transparency.</summary>
    private sealed class Painter(byte[] canvas, int screenWidth, int screenHeight) : LzwDecoder.ISink
    {
        private int _left;
        private int _top;
        private int _width;
        private int _height;
        private bool _interlaced;
        private byte[] _table = [];
        private int _transparent;
        private int _x;
        private int _row;

        public long Remaining { get; private set; }

        public void Begin(int left, int top, int width, int height, bool interlaced, byte[] table, int transparent)
        {
            _left = left;
            _top = top;
            _width = width;
            _height = height;
            _interlaced = interlaced;
            _table = table;
            _transparent = transparent;
            _x = 0;
            _row = 0;
            Remaining = (long)width * height;
        }

        public void Write(ReadOnlySpan<byte> indices)
        {
            var y = _top + (_interlaced ? InterlacedRow(_row, _height) : _row);
            foreach (var index in indices)
            {
                var x = _left + _x;
                if (index != _transparent && x < screenWidth && y < screenHeight)
                {
                    var o = 4 * ((long)y * screenWidth + x);
                    if (3 * index + 2 < _table.Length)
                    {
                        canvas[o] = _table[3 * index];
                        canvas[o + 1] = _table[3 * index + 1];
                        canvas[o + 2] = _table[3 * index + 2];
                    }
                    else
                    {
                        canvas[o] = canvas[o + 1] = canvas[o + 2] = 0;
                    }
                    canvas[o + 3] = 255;
                }
                if (++_x == _width)
                {
                    _x = 0;
                    _row++;
                    y = _top + (_interlaced ? InterlacedRow(_row, _height) : _row);
                }
            }
            Remaining -= indices.Length;
        }

        /// <summary>Sets a rectangle (clipped to the screen) back to transparent: disposal method 2.</summary>
        public void Clear(int left, int top, int width, int height)
        {
            var x1 = Math.Min(screenWidth, left + width);
            var y1 = Math.Min(screenHeight, top + height);
            for (var y = top; y < y1; y++)
            {
                if (left < x1)
                {
                    canvas.AsSpan(4 * (y * screenWidth + left), 4 * (x1 - left)).Clear();
                }
            }
        }

        /// <summary>The image row of the <paramref name="n"/>-th stored row of an interlaced image (passes of rows 0+8k, 4+8k, 2+4k, 1+2k).</summary>
        private static int InterlacedRow(int n, int height)
        {
            var pass1 = (height + 7) / 8;
            if (n < pass1)
            {
                return 8 * n;
            }
            n -= pass1;
            var pass2 = (height + 3) / 8;
            if (n < pass2)
            {
                return 8 * n + 4;
            }
            n -= pass2;
            var pass3 = (height + 1) / 4;
            if (n < pass3)
            {
                return 4 * n + 2;
            }
            return 2 * (n - pass3) + 1;
        }
    }
}
