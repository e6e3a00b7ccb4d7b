namespace Kozuchi.Core.Demo;

/// <summary>
/// xoshiro256** seeded through SplitMix64. Our own generator rather than <see cref="Random"/>: the demo data for a seed
/// must stay byte-identical across .NET versions, and <see cref="Random"/>'s seeded sequence is not a documented contract.
/// Each person gets an independent stream (<see cref="For"/>) so a person's history does not depend on anyone else's.
/// </summary>
public sealed class DemoRandom
{
    private ulong s0;
    private ulong s1;
    private ulong s2;
    private ulong s3;

    public DemoRandom(ulong seed)
    {
        var x = seed;
        s0 = SplitMix64(ref x);
        s1 = SplitMix64(ref x);
        s2 = SplitMix64(ref x);
        s3 = SplitMix64(ref x);
    }

    /// <summary>An independent stream for one purpose (<paramref name="stream"/>) and one index (a person, a household).</summary>
    public static DemoRandom For(int seed, ulong stream, long index) => new(Mix((ulong)(uint)seed, stream, (ulong)index));

    /// <summary>A well-mixed 64-bit value of three inputs: per-index decisions that must be known without building the index.</summary>
    public static ulong Mix(ulong a, ulong b, ulong c)
    {
        var x = a * 0x9E3779B97F4A7C15UL;
        var h = SplitMix64(ref x);
        x = h ^ (b * 0xC2B2AE3D27D4EB4FUL);
        h = SplitMix64(ref x);
        x = h ^ (c * 0x165667B19E3779F9UL);
        return SplitMix64(ref x);
    }

    /// <summary>A uniform double in [0, 1) derived from <see cref="Mix"/>.</summary>
    public static double Unit(ulong mixed) => (mixed >> 11) * (1.0 / (1UL << 53));

    public ulong NextUInt64()
    {
        var result = RotateLeft(s1 * 5, 7) * 9;
        var t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = RotateLeft(s3, 45);
        return result;
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, <paramref name="maxExclusive"/>).</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        return (int)(NextDouble() * maxExclusive);
    }

    /// <summary>Uniform in [<paramref name="min"/>, <paramref name="maxInclusive"/>].</summary>
    public int Between(int min, int maxInclusive) => min + Next(maxInclusive - min + 1);

    public bool Chance(double probability) => NextDouble() < probability;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    /// <summary>Exponential with the given mean.</summary>
    public double Exponential(double mean) => -mean * Math.Log(1.0 - NextDouble());

    public double Normal()
    {
        var u1 = 1.0 - NextDouble();
        var u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Gamma(shape, scale) by Marsaglia–Tsang; shapes below 1 through the U^(1/shape) boost.</summary>
    public double Gamma(double shape, double scale)
    {
        if (shape < 1.0)
        {
            return Gamma(shape + 1.0, scale) * Math.Pow(1.0 - NextDouble(), 1.0 / shape);
        }

        var d = shape - 1.0 / 3.0;
        var c = 1.0 / Math.Sqrt(9.0 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal();
                v = 1.0 + c * x;
            }
            while (v <= 0);

            v = v * v * v;
            var u = NextDouble();
            if (u < 1.0 - 0.0331 * x * x * x * x || Math.Log(u) < 0.5 * x * x + d * (1.0 - v + Math.Log(v)))
            {
                return d * v * scale;
            }
        }
    }

    public double Beta(double a, double b)
    {
        var x = Gamma(a, 1.0);
        var y = Gamma(b, 1.0);
        return x / (x + y);
    }

    /// <summary>An index drawn with probability proportional to its weight.</summary>
    public int Weighted(IReadOnlyList<double> cumulative)
    {
        var target = NextDouble() * cumulative[^1];
        var lo = 0;
        var hi = cumulative.Count - 1;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (cumulative[mid] > target)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }

        return lo;
    }

    internal static double[] Cumulative(IEnumerable<double> weights)
    {
        var list = new List<double>();
        var sum = 0.0;
        foreach (var w in weights)
        {
            sum += w;
            list.Add(sum);
        }

        return [.. list];
    }

    private static ulong SplitMix64(ref ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        var z = x;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));
}
