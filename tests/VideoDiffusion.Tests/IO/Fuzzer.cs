using System.Buffers.Binary;
using System.Diagnostics;

namespace VideoDiffusion.Tests.IO;

/// <summary>
/// A seeded mutation fuzzer for the readers: bit flips, truncation, inflated sizes and counts written over header
/// bytes, digits of text headers replaced by nines, inserted and deleted runs, and splices between seeds. Every
/// mutant must be accepted or rejected with <see cref="InvalidDataException"/> / <see cref="EndOfStreamException"/>,
/// within a per-input managed allocation budget, and the whole run within a time limit (a hang fails the test).
/// </summary>
internal static class Fuzzer
{
    /// <summary>What a run saw.</summary>
    public sealed record Report(int Inputs, int Accepted, int Rejected, long MaxAllocated, TimeSpan Elapsed, TimeSpan Slowest, IReadOnlyList<string> Failures);

    /// <summary>Runs <paramref name="count"/> mutants of <paramref name="seeds"/> through <paramref name="read"/>.</summary>
    /// <param name="seeds">Valid inputs to mutate.</param>
    /// <param name="read">The reader under test.</param>
    /// <param name="count">Number of mutants.</param>
    /// <param name="seed">Random seed (the run is reproducible).</param>
    /// <param name="budget">Largest managed allocation allowed for one input, given its length.</param>
    /// <param name="fixup">Optional repair applied to half the mutants (e.g. recomputing PNG CRCs) so they reach deeper.</param>
    /// <param name="timeLimit">Wall-clock limit for the whole run.</param>
    public static Report Run(IReadOnlyList<byte[]> seeds, Action<byte[]> read, int count, int seed, Func<long, long> budget, Func<byte[], byte[]>? fixup, TimeSpan timeLimit)
    {
        var task = Task.Factory.StartNew(() => RunAll(seeds, read, count, seed, budget, fixup), TaskCreationOptions.LongRunning);
        if (!task.Wait(timeLimit))
        {
            throw new TimeoutException($"The fuzz run did not finish within {timeLimit}: a reader hangs or is far too slow.");
        }
        return task.Result;
    }

    private static Report RunAll(IReadOnlyList<byte[]> seeds, Action<byte[]> read, int count, int seed, Func<long, long> budget, Func<byte[], byte[]>? fixup)
    {
        var random = new Random(seed);
        var failures = new List<string>();
        int accepted = 0, rejected = 0;
        long maxAllocated = 0;
        var slowest = TimeSpan.Zero;
        var total = Stopwatch.StartNew();
        foreach (var valid in seeds)
        {
            read(valid); // every seed itself must be accepted
        }
        for (var i = 0; i < count; i++)
        {
            var input = Mutate(seeds, random);
            if (fixup is not null && random.Next(2) == 0)
            {
                input = fixup(input);
            }
            var before = GC.GetAllocatedBytesForCurrentThread();
            var watch = Stopwatch.StartNew();
            try
            {
                read(input);
                accepted++;
            }
            catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                if (failures.Count < 5)
                {
                    failures.Add($"mutant {i} ({input.Length} bytes, base64 {Convert.ToBase64String(input)}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
            }
            watch.Stop();
            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            maxAllocated = Math.Max(maxAllocated, allocated);
            if (allocated > budget(input.Length) && failures.Count < 5)
            {
                failures.Add($"mutant {i} ({input.Length} bytes, base64 {Convert.ToBase64String(input)}) allocated {allocated} bytes, over the budget of {budget(input.Length)}");
            }
        }
        return new Report(count, accepted, rejected, maxAllocated, total.Elapsed, slowest, failures);
    }

    private static byte[] Mutate(IReadOnlyList<byte[]> seeds, Random random)
    {
        var data = (byte[])seeds[random.Next(seeds.Count)].Clone();
        var rounds = 1 + random.Next(3);
        for (var r = 0; r < rounds; r++)
        {
            data = random.Next(7) switch
            {
                0 => FlipBits(data, random),
                1 => data[..random.Next(data.Length + 1)],
                2 or 3 => Inflate(data, random),
                4 => Nines(data, random),
                5 => InsertOrDelete(data, random),
                _ => Splice(data, seeds[random.Next(seeds.Count)], random),
            };
        }
        return data;
    }

    private static int Position(byte[] data, Random random) =>
        random.Next(2) == 0 ? random.Next(Math.Min(data.Length, 64)) : random.Next(data.Length);

    private static byte[] FlipBits(byte[] data, Random random)
    {
        if (data.Length == 0)
        {
            return data;
        }
        var flips = 1 + random.Next(8);
        for (var f = 0; f < flips; f++)
        {
            data[Position(data, random)] ^= (byte)(1 << random.Next(8));
        }
        return data;
    }

    private static byte[] Inflate(byte[] data, Random random)
    {
        var width = new[] { 1, 2, 4, 8 }[random.Next(4)];
        if (data.Length < width)
        {
            return data;
        }
        var at = Math.Min(Position(data, random), data.Length - width);
        ulong value = random.Next(6) switch
        {
            0 => ulong.MaxValue,
            1 => 0x7FFFFFFF,
            2 => 0x80000000,
            3 => (ulong)data.Length * 1000,
            4 => 0,
            _ => (ulong)random.NextInt64(),
        };
        Span<byte> bytes = stackalloc byte[8];
        if (random.Next(2) == 0)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            bytes[..width].CopyTo(data.AsSpan(at));
        }
        else
        {
            BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
            bytes[(8 - width)..].CopyTo(data.AsSpan(at));
        }
        return data;
    }

    /// <summary>Replaces one run of ASCII digits in the first 1024 bytes by nines of the same length: inflated shapes and offsets in text headers.</summary>
    private static byte[] Nines(byte[] data, Random random)
    {
        var limit = Math.Min(data.Length, 1024);
        var runs = new List<(int Start, int End)>();
        for (var i = 0; i < limit;)
        {
            if (char.IsAsciiDigit((char)data[i]))
            {
                var start = i;
                while (i < limit && char.IsAsciiDigit((char)data[i]))
                {
                    i++;
                }
                runs.Add((start, i));
            }
            else
            {
                i++;
            }
        }
        if (runs.Count == 0)
        {
            return FlipBits(data, random);
        }
        var (s, e) = runs[random.Next(runs.Count)];
        data.AsSpan(s, e - s).Fill((byte)'9');
        return data;
    }

    private static byte[] InsertOrDelete(byte[] data, Random random)
    {
        var at = data.Length == 0 ? 0 : Position(data, random);
        var length = 1 + random.Next(16);
        if (random.Next(2) == 0)
        {
            var insert = new byte[length];
            random.NextBytes(insert);
            return [.. data[..at], .. insert, .. data[at..]];
        }
        var end = Math.Min(data.Length, at + length);
        return [.. data[..at], .. data[end..]];
    }

    private static byte[] Splice(byte[] data, byte[] other, Random random)
    {
        if (data.Length == 0 || other.Length == 0)
        {
            return data;
        }
        var at = random.Next(data.Length);
        var from = random.Next(other.Length);
        var length = Math.Min(1 + random.Next(64), Math.Min(data.Length - at, other.Length - from));
        other.AsSpan(from, length).CopyTo(data.AsSpan(at));
        return data;
    }
}
