namespace Tollgate.Gateway.Forwarding;

/// <summary>Up to five top-level members (start, end) that carry tools; kept inline so reading a request allocates nothing.</summary>
internal struct ToolMemberRanges
{
    private (int Start, int End) _a, _b, _c, _d, _e;

    public int Count { get; private set; }

    public readonly (int Start, int End) this[int index] => index switch
    {
        0 => _a,
        1 => _b,
        2 => _c,
        3 => _d,
        _ => _e,
    };

    /// <summary>This set plus one member (each tool field occurs once: duplicates are refused before).</summary>
    public readonly ToolMemberRanges Add(int start, int end)
    {
        var copy = this;
        var range = (start, end);
        switch (copy.Count)
        {
            case 0: copy._a = range; break;
            case 1: copy._b = range; break;
            case 2: copy._c = range; break;
            case 3: copy._d = range; break;
            default: copy._e = range; break;
        }

        copy.Count = Math.Min(copy.Count + 1, 5);
        return copy;
    }
}
