using System.Buffers.Binary;
using System.Security.Cryptography;

namespace JointOps.Deadlines.Bench;

/// <summary>Authenticator codes (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), as the users' apps compute them.</summary>
public static class Totp
{
    /// <summary>The key the Development seed gives users whose role requires two-factor (Development:AuthenticatorKey).</summary>
    public const string DevelopmentKey = "JBSWY3DPEHPK3PXP";

    /// <summary>The code for now (the server also accepts the two steps either side, so a code made at a boundary still works).</summary>
    public static string Code(string base32Key, DateTimeOffset? at = null) => Code(base32Key, Step(at ?? DateTimeOffset.UtcNow));

    private static long Step(DateTimeOffset at) => at.ToUnixTimeSeconds() / 30;

    private static string Code(string base32Key, long step)
    {
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
#pragma warning disable CA5350 // RFC 6238 as authenticator apps implement it is HMAC-SHA1.
        var hash = HMACSHA1.HashData(FromBase32(base32Key), counter);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var value = (BinaryPrimitives.ReadInt32BigEndian(hash.AsSpan(offset)) & 0x7fffffff) % 1_000_000;
        return value.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] FromBase32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.ToUpperInvariant().Where(c => c is not (' ' or '=' or '-')))
        {
            buffer = (buffer << 5) | Alphabet.IndexOf(c, StringComparison.Ordinal);
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                bytes.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }

        return [.. bytes];
    }
}
