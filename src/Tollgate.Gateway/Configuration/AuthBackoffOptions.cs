namespace Tollgate.Gateway.Configuration;

/// <summary>Back-off for clients that keep failing authentication (<c>authBackoff</c> in tollgate.json).</summary>
public sealed class AuthBackoffOptions
{
    /// <summary>Off switch (on by default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Failures a client may make before it is made to wait.</summary>
    public int FreeFailures { get; set; } = 5;

    /// <summary>The first wait; each further failure doubles it.</summary>
    public double BaseSeconds { get; set; } = 1;

    /// <summary>The longest wait.</summary>
    public double MaxSeconds { get; set; } = 300;

    /// <summary>A client's failures are forgotten this long after its last one.</summary>
    public double WindowSeconds { get; set; } = 600;

    /// <summary>The most clients tracked at once (bounded memory).</summary>
    public int MaxClients { get; set; } = 10_000;

    internal IEnumerable<string> Validate()
    {
        if (FreeFailures < 0 || BaseSeconds <= 0 || MaxSeconds < BaseSeconds || WindowSeconds <= 0 || MaxClients < 1)
        {
            yield return "authBackoff: freeFailures must be ≥ 0, baseSeconds > 0, maxSeconds ≥ baseSeconds, windowSeconds > 0 and maxClients ≥ 1";
        }
    }
}
