#include "validate/repeated.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cctype>
#include <set>
#include <tuple>

#include "validate/text.h"

namespace pertoken::validate {

int SignificantDigits(std::string_view value) {
  std::string digits;
  bool point = false;
  for (char c : Trim(value)) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      if (!digits.empty() || c != '0') digits.push_back(c);
    } else if (c == '.') {
      point = true;
    } else if (c == 'e' || c == 'E') {
      break;
    } else if (c != '-' && c != '+') {
      return 0;  // not a plain number
    }
  }
  if (!point) {
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
  }
  return static_cast<int>(digits.size());
}

std::map<std::string, Skip> RepeatedResults(const std::vector<Measurement>& rows) {
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string,
                         std::string, std::string>;
  std::map<Key, std::vector<const Measurement*>> groups;
  for (const Measurement& m : rows) {
    if (SignificantDigits(m.value) < kRepeatMinDigits) continue;
    groups[Key{m.SourcePrefix(), Lower(Trim(m.metric)), Trim(m.value), Trim(m.input_len),
               Trim(m.output_len), Trim(m.concurrency_or_batch), Lower(Trim(m.scenario))}]
        .push_back(&m);
  }
  std::map<std::string, Skip> out;
  for (const auto& [key, group] : groups) {
    std::set<std::tuple<std::string, std::string, std::string, std::string>> setups;
    for (const Measurement* m : group) {
      setups.emplace(Lower(Trim(m->accelerator)), Trim(m->num_accel), Lower(Trim(m->model)),
                     Lower(Trim(m->engine)));
    }
    if (setups.size() < 2) continue;
    for (const Measurement* m : group) {
      std::vector<std::string> others;
      for (const Measurement* o : group) {
        if (o != m) {
          others.push_back(fmt::format("{} ({}, {} x {}, {})", o->id, Trim(o->model),
                                       Trim(o->num_accel), Trim(o->accelerator), Trim(o->engine)));
        }
      }
      out[m->id] = Skip{.reason =
                            "results repeated on other hardware or another model: which row was "
                            "measured is unknown",
                        .detail = fmt::format("{} = {} here and in {}", Trim(m->metric),
                                              Trim(m->value), fmt::join(others, ", "))};
    }
  }
  return out;
}

}  // namespace pertoken::validate
