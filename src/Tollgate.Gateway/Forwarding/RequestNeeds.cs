namespace Tollgate.Gateway.Forwarding;

/// <summary>Model capabilities a request body uses; routing excludes models whose capabilities lack one.</summary>
[Flags]
internal enum RequestNeeds
{
    None = 0,

    /// <summary>An image content part in the prompt (<c>image_url</c>, <c>input_image</c>, Anthropic <c>image</c>).</summary>
    Vision = 1,

    /// <summary>A non-empty <c>tools</c> or <c>functions</c> array.</summary>
    Tools = 2,

    /// <summary><c>response_format</c> of type <c>json_schema</c> or <c>json_object</c>.</summary>
    JsonSchema = 4,
}
