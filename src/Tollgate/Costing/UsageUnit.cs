namespace Tollgate.Costing;

/// <summary>
/// A billable unit of the genai-prices v2 unit registry (<c>units.yml</c>). The numeric order is the
/// registry's order and is stable: it indexes <see cref="Usage"/> counts and per-unit costs.
/// </summary>
public enum UsageUnit
{
    /// <summary><c>input_tokens</c>, priced per 1,000,000 as <c>input_mtok</c>.</summary>
    InputTokens,
    /// <summary><c>output_tokens</c>, priced per 1,000,000 as <c>output_mtok</c>.</summary>
    OutputTokens,
    /// <summary><c>cache_read_tokens</c>, priced per 1,000,000 as <c>cache_read_mtok</c>.</summary>
    CacheReadTokens,
    /// <summary><c>cache_write_tokens</c>, priced per 1,000,000 as <c>cache_write_mtok</c>.</summary>
    CacheWriteTokens,
    /// <summary><c>cache_write_5m_tokens</c>, priced per 1,000,000 as <c>cache_write_5m_mtok</c>.</summary>
    CacheWrite5mTokens,
    /// <summary><c>cache_write_1h_tokens</c>, priced per 1,000,000 as <c>cache_write_1h_mtok</c>.</summary>
    CacheWrite1hTokens,
    /// <summary><c>input_text_tokens</c>, priced per 1,000,000 as <c>input_text_mtok</c>.</summary>
    InputTextTokens,
    /// <summary><c>output_text_tokens</c>, priced per 1,000,000 as <c>output_text_mtok</c>.</summary>
    OutputTextTokens,
    /// <summary><c>cache_text_read_tokens</c>, priced per 1,000,000 as <c>cache_text_read_mtok</c>.</summary>
    CacheTextReadTokens,
    /// <summary><c>cache_text_write_tokens</c>, priced per 1,000,000 as <c>cache_text_write_mtok</c>.</summary>
    CacheTextWriteTokens,
    /// <summary><c>cache_text_write_5m_tokens</c>, priced per 1,000,000 as <c>cache_text_write_5m_mtok</c>.</summary>
    CacheTextWrite5mTokens,
    /// <summary><c>cache_text_write_1h_tokens</c>, priced per 1,000,000 as <c>cache_text_write_1h_mtok</c>.</summary>
    CacheTextWrite1hTokens,
    /// <summary><c>input_audio_tokens</c>, priced per 1,000,000 as <c>input_audio_mtok</c>.</summary>
    InputAudioTokens,
    /// <summary><c>output_audio_tokens</c>, priced per 1,000,000 as <c>output_audio_mtok</c>.</summary>
    OutputAudioTokens,
    /// <summary><c>cache_audio_read_tokens</c>, priced per 1,000,000 as <c>cache_audio_read_mtok</c>.</summary>
    CacheAudioReadTokens,
    /// <summary><c>cache_audio_write_tokens</c>, priced per 1,000,000 as <c>cache_audio_write_mtok</c>.</summary>
    CacheAudioWriteTokens,
    /// <summary><c>cache_audio_write_5m_tokens</c>, priced per 1,000,000 as <c>cache_audio_write_5m_mtok</c>.</summary>
    CacheAudioWrite5mTokens,
    /// <summary><c>cache_audio_write_1h_tokens</c>, priced per 1,000,000 as <c>cache_audio_write_1h_mtok</c>.</summary>
    CacheAudioWrite1hTokens,
    /// <summary><c>input_image_tokens</c>, priced per 1,000,000 as <c>input_image_mtok</c>.</summary>
    InputImageTokens,
    /// <summary><c>output_image_tokens</c>, priced per 1,000,000 as <c>output_image_mtok</c>.</summary>
    OutputImageTokens,
    /// <summary><c>cache_image_read_tokens</c>, priced per 1,000,000 as <c>cache_image_read_mtok</c>.</summary>
    CacheImageReadTokens,
    /// <summary><c>cache_image_write_tokens</c>, priced per 1,000,000 as <c>cache_image_write_mtok</c>.</summary>
    CacheImageWriteTokens,
    /// <summary><c>cache_image_write_5m_tokens</c>, priced per 1,000,000 as <c>cache_image_write_5m_mtok</c>.</summary>
    CacheImageWrite5mTokens,
    /// <summary><c>cache_image_write_1h_tokens</c>, priced per 1,000,000 as <c>cache_image_write_1h_mtok</c>.</summary>
    CacheImageWrite1hTokens,
    /// <summary><c>input_video_tokens</c>, priced per 1,000,000 as <c>input_video_mtok</c>.</summary>
    InputVideoTokens,
    /// <summary><c>output_video_tokens</c>, priced per 1,000,000 as <c>output_video_mtok</c>.</summary>
    OutputVideoTokens,
    /// <summary><c>cache_video_read_tokens</c>, priced per 1,000,000 as <c>cache_video_read_mtok</c>.</summary>
    CacheVideoReadTokens,
    /// <summary><c>cache_video_write_tokens</c>, priced per 1,000,000 as <c>cache_video_write_mtok</c>.</summary>
    CacheVideoWriteTokens,
    /// <summary><c>cache_video_write_5m_tokens</c>, priced per 1,000,000 as <c>cache_video_write_5m_mtok</c>.</summary>
    CacheVideoWrite5mTokens,
    /// <summary><c>cache_video_write_1h_tokens</c>, priced per 1,000,000 as <c>cache_video_write_1h_mtok</c>.</summary>
    CacheVideoWrite1hTokens,
    /// <summary><c>input_tool_tokens</c>, priced per 1,000,000 as <c>input_tool_mtok</c>.</summary>
    InputToolTokens,
    /// <summary><c>input_text_tool_tokens</c>, priced per 1,000,000 as <c>input_text_tool_mtok</c>.</summary>
    InputTextToolTokens,
    /// <summary><c>input_audio_tool_tokens</c>, priced per 1,000,000 as <c>input_audio_tool_mtok</c>.</summary>
    InputAudioToolTokens,
    /// <summary><c>input_image_tool_tokens</c>, priced per 1,000,000 as <c>input_image_tool_mtok</c>.</summary>
    InputImageToolTokens,
    /// <summary><c>input_video_tool_tokens</c>, priced per 1,000,000 as <c>input_video_tool_mtok</c>.</summary>
    InputVideoToolTokens,
    /// <summary><c>output_reasoning_tokens</c>, priced per 1,000,000 as <c>output_reasoning_mtok</c>.</summary>
    OutputReasoningTokens,
    /// <summary><c>output_text_reasoning_tokens</c>, priced per 1,000,000 as <c>output_text_reasoning_mtok</c>.</summary>
    OutputTextReasoningTokens,
    /// <summary><c>output_audio_reasoning_tokens</c>, priced per 1,000,000 as <c>output_audio_reasoning_mtok</c>.</summary>
    OutputAudioReasoningTokens,
    /// <summary><c>output_image_reasoning_tokens</c>, priced per 1,000,000 as <c>output_image_reasoning_mtok</c>.</summary>
    OutputImageReasoningTokens,
    /// <summary><c>output_video_reasoning_tokens</c>, priced per 1,000,000 as <c>output_video_reasoning_mtok</c>.</summary>
    OutputVideoReasoningTokens,
    /// <summary><c>output_citation_tokens</c>, priced per 1,000,000 as <c>output_citation_mtok</c>.</summary>
    OutputCitationTokens,
    /// <summary><c>output_text_citation_tokens</c>, priced per 1,000,000 as <c>output_text_citation_mtok</c>.</summary>
    OutputTextCitationTokens,
    /// <summary><c>output_audio_citation_tokens</c>, priced per 1,000,000 as <c>output_audio_citation_mtok</c>.</summary>
    OutputAudioCitationTokens,
    /// <summary><c>output_image_citation_tokens</c>, priced per 1,000,000 as <c>output_image_citation_mtok</c>.</summary>
    OutputImageCitationTokens,
    /// <summary><c>output_video_citation_tokens</c>, priced per 1,000,000 as <c>output_video_citation_mtok</c>.</summary>
    OutputVideoCitationTokens,
    /// <summary><c>input_characters</c>, priced per 1,000,000 as <c>input_mchars</c>.</summary>
    InputCharacters,
    /// <summary><c>input_text_messages</c>, priced per 1,000 as <c>input_text_messages_kcount</c>.</summary>
    InputTextMessages,
    /// <summary><c>audio_seconds</c>, priced per 3,600 as <c>audio_hours</c>.</summary>
    AudioSeconds,
    /// <summary><c>input_audio_seconds</c>, priced per 3,600 as <c>input_audio_hours</c>.</summary>
    InputAudioSeconds,
    /// <summary><c>output_audio_seconds</c>, priced per 3,600 as <c>output_audio_hours</c>.</summary>
    OutputAudioSeconds,
    /// <summary><c>input_pixels</c>, priced per 1,000,000,000 as <c>input_gpixels</c>.</summary>
    InputPixels,
    /// <summary><c>input_document_pages</c>, priced per 1,000 as <c>input_document_kpages</c>.</summary>
    InputDocumentPages,
    /// <summary><c>input_annotated_document_pages</c>, priced per 1,000 as <c>input_annotated_document_kpages</c>.</summary>
    InputAnnotatedDocumentPages,
    /// <summary><c>rerank_searches</c>, priced per 1,000 as <c>rerank_searches_kcount</c>.</summary>
    RerankSearches,
    /// <summary><c>web_searches</c>, priced per 1,000 as <c>web_searches_kcount</c>.</summary>
    WebSearches,
    /// <summary><c>social_searches</c>, priced per 1,000 as <c>social_searches_kcount</c>.</summary>
    SocialSearches,
    /// <summary><c>storage_searches</c>, priced per 1,000 as <c>storage_searches_kcount</c>.</summary>
    StorageSearches,
    /// <summary><c>code_executions</c>, priced per 1,000 as <c>code_executions_kcount</c>.</summary>
    CodeExecutions,
    /// <summary><c>requests</c>, priced per 1,000 as <c>requests_kcount</c>.</summary>
    Requests,
}
