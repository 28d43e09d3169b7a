using System.Globalization;

namespace VideoDiffusion.IO;

/// <summary>
/// Parses the small subset of Python literals an <c>.npy</c> header uses: a dict with string keys whose values are
/// strings, <c>True</c>/<c>False</c>, or tuples of non-negative integers. Anything else (a list, as structured dtypes
/// use, or nesting) is returned as <see cref="Unsupported"/> so the caller can name it. Never evaluates anything.
/// </summary>
internal sealed class PythonLiteral(string text, long offset)
{
    private const string Format = "NPY";
    private int _pos;

    /// <summary>Marker for a value this parser does not model.</summary>
    public static readonly object Unsupported = new();

    /// <summary>Parses the whole text as one dict followed only by whitespace.</summary>
    /// <exception cref="InvalidDataException">The text is not such a dict, or a key repeats.</exception>
    public Dictionary<string, object> ParseDict()
    {
        var result = new Dictionary<string, object>(StringComparer.Ordinal);
        Expect('{');
        SkipSpace();
        while (Peek() != '}')
        {
            var keyAt = _pos;
            var key = ParseString();
            Expect(':');
            var value = ParseValue();
            if (!result.TryAdd(key, value))
            {
                throw Error($"key '{key}' repeats", keyAt);
            }
            SkipSeparator('}', "the header dict");
        }
        _pos++;
        while (_pos < text.Length)
        {
            if (!char.IsWhiteSpace(text[_pos]))
            {
                throw Error("unexpected text after the header dict");
            }
            _pos++;
        }
        return result;
    }

    private object ParseValue()
    {
        SkipSpace();
        var c = Peek();
        if (c is '\'' or '"')
        {
            return ParseString();
        }
        if (c == '(')
        {
            return ParseTuple();
        }
        if (Match("True"))
        {
            return true;
        }
        if (Match("False"))
        {
            return false;
        }
        if (c is '[' or '{')
        {
            SkipBalanced();
            return Unsupported;
        }
        throw Error($"unexpected character '{c}'");
    }

    private long[] ParseTuple()
    {
        Expect('(');
        var items = new List<long>();
        SkipSpace();
        while (Peek() != ')')
        {
            items.Add(ParseInteger());
            SkipSeparator(')', "the shape tuple");
            if (items.Count > 64)
            {
                throw Error("the shape tuple has more than 64 entries");
            }
        }
        _pos++;
        return items.ToArray();
    }

    private long ParseInteger()
    {
        var start = _pos;
        while (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
        {
            _pos++;
        }
        if (_pos == start || !long.TryParse(text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw Error("expected a non-negative integer of at most 63 bits", start);
        }
        if (_pos < text.Length && text[_pos] == 'L')
        {
            _pos++; // Python 2 long suffix, written by old NumPy versions.
        }
        return value;
    }

    private string ParseString()
    {
        SkipSpace();
        var quote = Peek();
        if (quote is not ('\'' or '"'))
        {
            throw Error("expected a quoted string");
        }
        var start = ++_pos;
        while (_pos < text.Length && text[_pos] != quote)
        {
            if (text[_pos] == '\\')
            {
                throw Error("escape sequences are not supported in header strings");
            }
            _pos++;
        }
        if (_pos >= text.Length)
        {
            throw Error("unterminated string", start - 1);
        }
        return text.Substring(start, _pos++ - start);
    }

    /// <summary>After an item: skips a comma (and spaces), or requires the closing character.</summary>
    private void SkipSeparator(char close, string where)
    {
        SkipSpace();
        if (Peek() == ',')
        {
            _pos++;
            SkipSpace();
        }
        else if (Peek() != close)
        {
            throw Error($"expected ',' or '{close}' in {where}");
        }
    }

    private void SkipBalanced()
    {
        var depth = 0;
        do
        {
            var c = Peek();
            if (c is '[' or '{' or '(')
            {
                depth++;
            }
            else if (c is ']' or '}' or ')')
            {
                depth--;
            }
            _pos++;
        }
        while (depth > 0);
    }

    private bool Match(string word)
    {
        if (string.CompareOrdinal(text, _pos, word, 0, word.Length) == 0)
        {
            _pos += word.Length;
            return true;
        }
        return false;
    }

    private void Expect(char c)
    {
        SkipSpace();
        if (Peek() != c)
        {
            throw Error($"expected '{c}'");
        }
        _pos++;
    }

    private char Peek()
    {
        if (_pos >= text.Length)
        {
            throw Error("the header ends early");
        }
        return text[_pos];
    }

    private void SkipSpace()
    {
        while (_pos < text.Length && char.IsWhiteSpace(text[_pos]))
        {
            _pos++;
        }
    }

    private InvalidDataException Error(string message, int? at = null) =>
        Corrupt.At(Format, offset + (at ?? _pos), "header dict: " + message);
}
