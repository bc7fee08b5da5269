using System.Globalization;
using System.Security.Cryptography;

namespace JointOps.Load;

/// <summary>RFC 6238 codes (HMAC-SHA1, 30 s step, 6 digits) from a base32 authenticator key, as authenticator apps compute them.</summary>
public static class Totp
{
    public static string Code(string base32Key, DateTimeOffset at)
    {
        var counter = at.ToUnixTimeSeconds() / 30;
        Span<byte> message = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(message, counter);
        // RFC 6238's default and what authenticator apps (and ASP.NET Core Identity) compute: not a choice made here.
#pragma warning disable CA5350
        var hash = HMACSHA1.HashData(Base32(base32Key), message);
#pragma warning restore CA5350
        var offset = hash[^1] & 0x0f;
        var binary = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (binary % 1_000_000).ToString("D6", CultureInfo.InvariantCulture);
    }

    public static byte[] Base32(string text)
    {
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var bytes = new List<byte>();
        int buffer = 0, bits = 0;
        foreach (var c in text.ToUpperInvariant())
        {
            if (c is '=' or ' ' or '-')
            {
                continue;
            }

            var value = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException($"'{c}' is not base32.");
            }

            buffer = (buffer << 5) | value;
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
