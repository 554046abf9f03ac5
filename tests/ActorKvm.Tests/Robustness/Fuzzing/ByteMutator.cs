using System.Text;

namespace ActorKvm.Tests.Robustness.Fuzzing;

/// <summary>Byte-level mutations of real inputs (shipped scenarios, schedule files): flips, cuts, splices and hostile tokens.</summary>
internal static class ByteMutator
{
    private static readonly byte[][] Tokens = new[]
    {
        "${", "}", "{", "[", "]", "\"", "\"\"\"", "\n", ",", "=", ":", "#", "//", "${x}", "${?x}", "include \"x\"", "+=", "\\", "\0",
        "\u001b[2J", "\uFEFF", "999999999999999999999", "-1", "0x", ".", "a.a.a.a.a.a.a.a", "null", "entries", "entries 2147483647\n",
    }.Select(Encoding.UTF8.GetBytes).ToArray();

    /// <summary>1..8 random mutations of <paramref name="input"/>, chosen by <paramref name="rng"/>.</summary>
    public static byte[] Mutate(byte[] input, Random rng)
    {
        var data = new List<byte>(input);
        var n = rng.Next(1, 9);
        for (var k = 0; k < n; k++)
        {
            var at = data.Count == 0 ? 0 : rng.Next(data.Count);
            switch (rng.Next(7))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(data.Count - at, rng.Next(1, 64)));
                    break;
                case 2:
                    data.InsertRange(at, Tokens[rng.Next(Tokens.Length)]);
                    break;
                case 3 when data.Count > 0:
                    var len = Math.Min(data.Count - at, rng.Next(1, 256));
                    data.InsertRange(rng.Next(data.Count), data.GetRange(at, len));
                    break;
                case 4 when data.Count > 0:
                    data.RemoveRange(at, data.Count - at); // truncation
                    break;
                case 5:
                    data.Insert(at, (byte)rng.Next(256));
                    break;
                default:
                    data.InsertRange(at, Tokens[rng.Next(Tokens.Length)]);
                    break;
            }
        }
        return data.ToArray();
    }
}
