namespace Tollgate.Gateway.Forwarding;

/// <summary>What the gateway needs to know about a request body, found in one pass without building a DOM.</summary>
internal struct RequestInfo
{
    public string? Model;

    /// <summary>Byte range of the model's JSON string token (quotes included), for splicing a new name.</summary>
    public int ModelStart;
    public int ModelLength;

    public bool Stream;

    /// <summary>Byte range of the <c>stream_options</c> value; -1 when absent.</summary>
    public int StreamOptionsStart;
    public int StreamOptionsLength;

    /// <summary><c>stream_options</c> was given as null (unset).</summary>
    public bool StreamOptionsNull;
    public bool IncludeUsage;

    /// <summary>max_tokens / max_completion_tokens / max_output_tokens when given.</summary>
    public long? MaxOutputTokens;

    /// <summary>Completions the request asks for (<c>n</c>, <c>best_of</c>: the larger); 0 when unset (one).</summary>
    public int Choices;

    /// <summary>Byte range of the prompt (<c>messages</c>, <c>input</c>, <c>system</c>…) for estimating input tokens.</summary>
    public int PromptBytes;

    /// <summary>Characters of text in the prompt's string values (what the token estimate counts).</summary>
    public int PromptStart;
    public int PromptLength;
    public int SystemStart;
    public int SystemLength;

    /// <summary>Byte ranges of <c>tools</c> and <c>functions</c> (billed as input); -1 when absent.</summary>
    public int ToolsStart;
    public int ToolsLength;
    public int FunctionsStart;
    public int FunctionsLength;

    /// <summary>Value ranges of the output limits and the temperature (Length 0: absent), for an adapted request.</summary>
    public (int Start, int Length) MaxTokensValue;
    public (int Start, int Length) MaxCompletionTokensValue;
    public (int Start, int Length) MaxOutputTokensValue;
    public (int Start, int Length) TemperatureValue;

    /// <summary>Value ranges of <c>metadata</c> and <c>user</c> (Length 0: absent): read for tags only when present.</summary>
    public (int Start, int Length) MetadataValue;
    public (int Start, int Length) UserValue;

    /// <summary>The request's <c>temperature</c> when it is a number.</summary>
    public float? Temperature;

    /// <summary>Whole members (name to value) of tools, functions, tool_choice, function_call, parallel_tool_calls: what dropping tools removes.</summary>
    public ToolMemberRanges ToolMembers;

    /// <summary>For embeddings: number of inputs (1 for a string).</summary>
    public int InputCount;

    /// <summary>Capabilities the request uses (images in the prompt, tools, structured output), for routing.</summary>
    public RequestNeeds Needs;

    /// <summary>Index of the closing brace of the top-level object (for inserting a property).</summary>
    public int ObjectEnd;
}
