using Tollgate.Pricing;

namespace Tollgate.Tests.Pricing;

/// <summary>A small hand-written catalog whose prices make the expected figures easy to compute by hand.</summary>
internal static class TestCatalog
{
    public const string Json = """
        [
          {
            "id": "acme", "name": "Acme", "api_pattern": "acme",
            "provider_match": {"contains": "acme"},
            "fallback_model_providers": ["origin"],
            "extractors": [
              {"api_flavor": "default", "root": "usage", "mappings": [
                {"path": "in", "dest": "input_tokens", "required": true},
                {"path": "cached", "dest": "input_tokens", "required": false},
                {"path": "cached", "dest": "cache_read_tokens", "required": false},
                {"path": ["details", {"type": "array-match", "field": "modality", "match": {"equals": "TEXT"}}, "n"], "dest": "input_text_tokens", "required": false},
                {"path": "out", "dest": "output_tokens", "required": true}
              ]},
              {"api_flavor": "optional", "root": ["response", "usage"], "model_path": ["response", "model"], "mappings": [
                {"path": "a", "dest": "input_tokens", "required": false},
                {"path": "b", "dest": "output_tokens", "required": false}
              ]}
            ],
            "models": [
              {"id": "text", "match": {"equals": "text"},
               "prices": {"input_mtok": 2, "cache_read_mtok": 0.2, "cache_write_mtok": 2.5, "cache_write_1h_mtok": 4, "output_mtok": 8,
                          "web_searches_kcount": 10, "requests_kcount": 5}},
              {"id": "multimodal", "match": {"equals": "multimodal"},
               "prices": {"input_mtok": 1, "input_audio_mtok": 10, "cache_read_mtok": 0.5, "cache_audio_read_mtok": 2,
                          "output_mtok": 4, "output_audio_mtok": 20}},
              {"id": "reasoning", "match": {"equals": "reasoning"},
               "prices": {"input_mtok": 1, "output_mtok": 2, "output_reasoning_mtok": 3, "output_citation_mtok": 1}},
              {"id": "durations", "match": {"equals": "durations"},
               "prices": {"audio_hours": 0.36, "input_audio_hours": 0.72, "output_audio_hours": 1.08}},
              {"id": "documents", "match": {"equals": "documents"},
               "prices": {"input_mchars": 2, "input_document_kpages": 10, "input_annotated_document_kpages": 30,
                          "rerank_searches_kcount": 2, "input_gpixels": 5, "input_text_messages_kcount": 1,
                          "code_executions_kcount": 3, "storage_searches_kcount": 4, "social_searches_kcount": 6}},
              {"id": "images-video", "match": {"equals": "images-video"},
               "prices": {"input_mtok": 1, "input_image_mtok": 3, "input_video_mtok": 5, "output_mtok": 2, "output_image_mtok": 40, "output_video_mtok": 50,
                          "input_text_mtok": 1.5, "output_text_mtok": 2.5}},
              {"id": "tiered", "match": {"equals": "tiered"},
               "prices": {"input_mtok": {"base": 1, "tiers": [{"start": 5000, "price": 3}, {"start": 1000, "price": 2}]},
                          "cache_read_mtok": {"base": 0.1, "tiers": [{"start": 1000, "price": 0.2}, {"start": 5000, "price": 0.3}]},
                          "output_mtok": {"base": 10, "tiers": [{"start": 1000, "price": 20}, {"start": 5000, "price": 30}]}}},
              {"id": "history", "match": {"equals": "history"},
               "prices": [
                 {"prices": {"input_mtok": 1, "output_mtok": 1}},
                 {"constraint": {"start_date": "2026-03-01"}, "prices": {"input_mtok": 2, "output_mtok": 2}},
                 {"constraint": {"start_date": "2026-06-01"}, "prices": {"input_mtok": 3, "output_mtok": 3}}
               ]},
              {"id": "history-no-base", "match": {"equals": "history-no-base"},
               "prices": [
                 {"constraint": {"start_date": "2026-03-01"}, "prices": {"input_mtok": 7}},
                 {"constraint": {"start_date": "2026-06-01"}, "prices": {"input_mtok": 8}}
               ]},
              {"id": "off-peak", "match": {"equals": "off-peak"},
               "prices": [
                 {"prices": {"input_mtok": 1}},
                 {"constraint": {"start_time": "00:30:00Z", "end_time": "16:30:00Z"}, "prices": {"input_mtok": 2}}
               ]},
              {"id": "first-broad", "match": {"contains": "shared"}, "prices": {"input_mtok": 1}},
              {"id": "second-exact", "match": {"equals": "shared-model"}, "prices": {"input_mtok": 2}},
              {"id": "regex-model", "match": {"and": [{"regex": "^rx-\\d+"}, {"or": [{"ends_with": "-fast"}, {"starts_with": "rx-9"}]}]}, "prices": {"input_mtok": 1}},
              {"id": "Mixed-Case", "match": {"equals": "Mixed-Case"}, "prices": {"input_mtok": 1}},
              {"id": "broken-join", "match": {"equals": "broken-join"}, "prices": {"input_mtok": 1, "cache_read_mtok": 0.1, "input_audio_mtok": 2}}
            ]
          },
          {
            "id": "origin", "name": "Origin", "api_pattern": "origin",
            "fallback_model_providers": ["third"],
            "models": [{"id": "origin-model", "match": {"starts_with": "origin-"}, "prices": {"input_mtok": 4}}]
          },
          {
            "id": "third", "name": "Third", "api_pattern": "third",
            "models": [{"id": "third-model", "match": {"equals": "third-model"}, "prices": {"input_mtok": 9}}]
          }
        ]
        """;

    private static readonly Lazy<PriceCatalog> Lazy = new(() => PriceCatalog.Parse(Json, "test"));

    public static PriceCatalog Catalog => Lazy.Value;

    public static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
}
