// Small text helpers for reading the free-text columns of measurement files: trimming, the
// trailing " (...)" remarks sources attach to names, and numbers inside phrases such as
// "unbounded (500 prompts, request rate inf)" or "target_qps=8.6". Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pertoken::validate {

// `text` without leading and trailing whitespace.
std::string Trim(std::string_view text);

// ASCII lowercase copy.
std::string Lower(std::string_view text);

// `text` without one trailing parenthetical remark that follows a space (nested parentheses
// allowed), trimmed: "A100-SXM4-80GB (doc: \"A100-80G(x8)\")" -> "A100-SXM4-80GB",
// "trtllm (Triton tensorrtllm_backend)" -> "trtllm". Text without one is only trimmed.
std::string StripParenthetical(std::string_view text);

// The whole of `text` (trimmed) as a number; nullopt when it is not exactly one finite number.
std::optional<double> ParseNumber(std::string_view text);

// The number right after the first case-insensitive occurrence of `key` in `text`
// after optional spaces, ':' or '=' ("target_qps=8.6", key "qps=" -> 8.6); nullopt when `key` is
// absent or no number follows.
std::optional<double> NumberAfter(std::string_view text, std::string_view key);

// The integer right before the first case-insensitive occurrence of " `word`" in `text` that
// has one
// ("unbounded (500 prompts, ...)", word "prompts" -> 500); nullopt when there is none.
std::optional<long long> CountBefore(std::string_view text, std::string_view word);

// Whether `text` contains `part`, ignoring ASCII case.
bool ContainsNoCase(std::string_view text, std::string_view part);

}  // namespace pertoken::validate
