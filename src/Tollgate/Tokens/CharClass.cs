using System.Globalization;

namespace Tollgate.Tokens;

/// <summary>
/// Character classes of the tiktoken pre-tokenization patterns, per code point (not per UTF-16 unit), with the
/// meanings of Rust's regex crate: <c>\s</c> is the Unicode White_Space property (U+0085 and U+3000 are
/// whitespace, U+FEFF and U+200B are not), <c>\p{L}</c>/<c>\p{N}</c>/<c>\p{M}</c> are general categories.
/// </summary>
internal static class CharClass
{
    public const byte Letter = 1;        // \p{L}
    public const byte Number = 2;        // \p{N}
    public const byte UpperLike = 4;     // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] (o200k)
    public const byte LowerLike = 8;     // [\p{Ll}\p{Lm}\p{Lo}\p{M}] (o200k)
    public const byte Space = 16;        // \s
    public const byte Newline = 32;      // \r or \n
    public const byte End = 128;         // past the end of the available text

    // One byte per BMP code point (64 KB, built once); astral code points are classified on demand.
    private static readonly byte[] s_bmp = BuildBmp();

    public static byte Of(int codePoint) => codePoint < 0x10000 ? s_bmp[codePoint] : Compute(codePoint);

    private static byte[] BuildBmp()
    {
        var table = new byte[0x10000];
        for (var cp = 0; cp < table.Length; cp++)
        {
            table[cp] = Compute(cp);
        }

        return table;
    }

    private static byte Compute(int cp)
    {
        if (cp is >= 0xD800 and <= 0xDFFF)
        {
            return 0;
        }

        byte flags = IsWhiteSpace(cp) ? Space : (byte)0;
        if (cp is '\r' or '\n')
        {
            flags |= Newline;
        }

        switch (CharUnicodeInfo.GetUnicodeCategory(cp))
        {
            case UnicodeCategory.UppercaseLetter:
            case UnicodeCategory.TitlecaseLetter:
                flags |= Letter | UpperLike;
                break;
            case UnicodeCategory.LowercaseLetter:
                flags |= Letter | LowerLike;
                break;
            case UnicodeCategory.ModifierLetter:
            case UnicodeCategory.OtherLetter:
                flags |= Letter | UpperLike | LowerLike;
                break;
            case UnicodeCategory.NonSpacingMark:
            case UnicodeCategory.SpacingCombiningMark:
            case UnicodeCategory.EnclosingMark:
                flags |= UpperLike | LowerLike;
                break;
            case UnicodeCategory.DecimalDigitNumber:
            case UnicodeCategory.LetterNumber:
            case UnicodeCategory.OtherNumber:
                flags |= Number;
                break;
        }

        return flags;
    }

    /// <summary>The Unicode White_Space property (PropList.txt), which Rust's <c>\s</c> matches.</summary>
    private static bool IsWhiteSpace(int cp) => cp switch
    {
        >= 0x09 and <= 0x0D => true,
        0x20 or 0x85 or 0xA0 or 0x1680 => true,
        >= 0x2000 and <= 0x200A => true,
        0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 => true,
        _ => false,
    };
}
