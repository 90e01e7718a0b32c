// Turns the raw bytes of generated tokens into safe text deltas: holds back incomplete
// UTF-8 sequences and any tail that could still become a stop string, and cuts the text
// at the first complete stop string. Stop strings are matched against the text as it will
// be emitted (invalid bytes already replaced by U+FFFD), so what the client sees never
// contains one.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cllm::inference {

class TextAssembler {
 public:
  explicit TextAssembler(std::vector<std::string> stop_strings);

  // Appends token bytes; returns the text that is now safe to emit (possibly empty).
  std::string push(std::string_view piece);
  // True once a stop string has been seen; push() then returns nothing more.
  bool stopped() const { return stopped_; }
  // Emits whatever is held back (invalid/incomplete UTF-8 replaced) at end of generation.
  std::string finish();
  // All text emitted so far (valid UTF-8, stop string excluded).
  std::string_view text() const { return std::string_view(clean_).substr(0, sent_); }

 private:
  // Scans clean_ for stops and returns what may be emitted now; at_end releases held text.
  std::string release(bool at_end);

  std::vector<std::string> stops_;
  std::string raw_;    // received bytes not yet decided (an incomplete UTF-8 tail)
  std::string clean_;  // decided text, valid UTF-8; clean_[0, sent_) has been emitted
  std::size_t sent_ = 0;
  bool stopped_ = false;
};

}  // namespace cllm::inference
