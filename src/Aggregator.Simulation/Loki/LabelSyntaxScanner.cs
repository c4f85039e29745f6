using System.Globalization;
using System.Text;

namespace Aggregator.Simulation.Loki;

/// <summary>Reads the tokens shared by Prometheus label sets and LogQL stream selectors: names, operators and quoted strings.</summary>
internal sealed class LabelSyntaxScanner(string text)
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public int Position { get; private set; }

    public bool AtEnd => Position >= text.Length;

    public char Current => text[Position];

    public void SkipSpace()
    {
        while (!AtEnd && char.IsWhiteSpace(Current))
        {
            Position++;
        }
    }

    public bool TryConsume(char expected)
    {
        SkipSpace();
        if (!AtEnd && Current == expected)
        {
            Position++;
            return true;
        }

        return false;
    }

    public bool TryConsume(string expected)
    {
        SkipSpace();
        if (string.CompareOrdinal(text, Position, expected, 0, expected.Length) == 0)
        {
            Position += expected.Length;
            return true;
        }

        return false;
    }

    /// <summary>Reads [a-zA-Z_][a-zA-Z0-9_]* (with ':' too for metric names), or returns null without moving.</summary>
    public string? TryReadIdentifier(bool allowColon = false)
    {
        SkipSpace();
        var start = Position;
        if (AtEnd || !(char.IsAsciiLetter(Current) || Current == '_' || (allowColon && Current == ':')))
        {
            return null;
        }

        while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current == '_' || (allowColon && Current == ':')))
        {
            Position++;
        }

        return text[start..Position];
    }

    /// <summary>A short description of what comes next, for error messages.</summary>
    public string DescribeNext()
    {
        SkipSpace();
        if (AtEnd)
        {
            return "end of input";
        }

        if (Current is '"' or '\'' or '`')
        {
            return "string";
        }

        if (char.IsAsciiLetter(Current) || Current == '_')
        {
            var start = Position;
            var end = start;
            while (end < text.Length && (char.IsAsciiLetterOrDigit(text[end]) || text[end] == '_'))
            {
                end++;
            }

            return "identifier " + GoText.Quote(text[start..end]);
        }

        foreach (var op in new[] { "!=", "=~", "!~", "=" })
        {
            if (string.CompareOrdinal(text, Position, op, 0, op.Length) == 0)
            {
                return GoText.Quote(op);
            }
        }

        return "character " + QuoteRune(Current);
    }

    public LabelSyntaxException Error(string problem) => new(Position, problem);

    /// <summary>Reads a "double", 'single' or `raw` quoted string with Go escapes; Prometheus rejects invalid UTF-8 (including U+FFFD) in it.</summary>
    public string ReadQuoted()
    {
        SkipSpace();
        var open = Current;
        var start = Position;
        Position++;
        if (open == '`')
        {
            var close = text.IndexOf('`', Position);
            if (close < 0)
            {
                throw new LabelSyntaxException(start, "unterminated raw string");
            }

            var raw = text[Position..close];
            Position = close + 1;
            return raw;
        }

        var bytes = new List<byte>();
        Span<byte> utf8 = stackalloc byte[4];
        while (true)
        {
            if (AtEnd || Current == '\n')
            {
                throw new LabelSyntaxException(start, "unterminated quoted string");
            }

            var c = Current;
            if (c == open)
            {
                Position++;
                break;
            }

            if (c == '\uFFFD')
            {
                throw Error("invalid UTF-8 rune");
            }

            if (c == '\\')
            {
                ReadEscape(open, bytes, utf8);
                continue;
            }

            if (!Rune.TryGetRuneAt(text, Position, out var rune))
            {
                throw Error("invalid UTF-8 rune");
            }

            var written = rune.EncodeToUtf8(utf8);
            bytes.AddRange(utf8[..written].ToArray());
            Position += rune.Utf16SequenceLength;
        }

        try
        {
            return StrictUtf8.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw new LabelSyntaxException(start, "invalid UTF-8 rune");
        }
    }

    private void ReadEscape(char quote, List<byte> bytes, Span<byte> utf8)
    {
        var escapeStart = Position;
        Position++;
        if (AtEnd)
        {
            throw new LabelSyntaxException(escapeStart, "escape sequence not terminated");
        }

        var c = Current;
        Position++;
        switch (c)
        {
            case 'a': bytes.Add(0x07); return;
            case 'b': bytes.Add(0x08); return;
            case 'f': bytes.Add(0x0C); return;
            case 'n': bytes.Add(0x0A); return;
            case 'r': bytes.Add(0x0D); return;
            case 't': bytes.Add(0x09); return;
            case 'v': bytes.Add(0x0B); return;
            case '\\': bytes.Add((byte)'\\'); return;
            case 'x':
                bytes.Add((byte)ReadDigits(2, 16, escapeStart));
                return;
            case 'u':
            case 'U':
                var code = ReadDigits(c == 'u' ? 4 : 8, 16, escapeStart);
                if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
                {
                    throw new LabelSyntaxException(escapeStart, "escape sequence is an invalid Unicode code point");
                }

                var written = new Rune(code).EncodeToUtf8(utf8);
                bytes.AddRange(utf8[..written].ToArray());
                return;
            case >= '0' and <= '7':
                Position--;
                var octal = ReadDigits(3, 8, escapeStart);
                if (octal > 255)
                {
                    throw new LabelSyntaxException(escapeStart, "octal escape value > 255: " + octal.ToString(CultureInfo.InvariantCulture));
                }

                bytes.Add((byte)octal);
                return;
            default:
                if (c == quote)
                {
                    bytes.Add((byte)c);
                    return;
                }

                throw new LabelSyntaxException(escapeStart, "unknown escape sequence " + GoUnicodeVerb(c));
        }
    }

    private int ReadDigits(int count, int radix, int escapeStart)
    {
        var value = 0;
        for (var i = 0; i < count; i++)
        {
            if (AtEnd)
            {
                throw new LabelSyntaxException(escapeStart, "escape sequence not terminated");
            }

            var digit = radix == 16 && char.IsAsciiHexDigit(Current)
                ? Convert.ToInt32(Current.ToString(), 16)
                : radix == 8 && Current is >= '0' and <= '7' ? Current - '0' : -1;
            if (digit < 0)
            {
                throw new LabelSyntaxException(escapeStart, "illegal character " + GoUnicodeVerb(Current) + " in escape sequence");
            }

            value = (value * radix) + digit;
            Position++;
        }

        return value;
    }

    // Go's %#U verb: U+0071 'q'.
    private static string GoUnicodeVerb(char c) =>
        string.Create(CultureInfo.InvariantCulture, $"U+{(int)c:X4} '{c}'");

    private static string QuoteRune(char c) => "'" + GoText.Quote(c.ToString()).Trim('"') + "'";
}
