namespace Tollgate.Tokens;

/// <summary>What a model can produce at most, for worst-case estimates when a request sets no output limit.</summary>
public interface IModelLimits
{
    /// <summary>The maximum output tokens of <paramref name="provider"/>/<paramref name="model"/>; null when unknown.</summary>
    int? GetMaxOutputTokens(string provider, string model);
}
