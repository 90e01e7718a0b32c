#include "cllm/gpu/check.hpp"

#include <algorithm>

namespace cllm::gpu {

std::string_view check_outcome_name(CheckOutcome outcome) {
  switch (outcome) {
    case CheckOutcome::kPass:
      return "pass";
    case CheckOutcome::kFail:
      return "fail";
    case CheckOutcome::kSkip:
      return "skip";
  }
  return "unknown";
}

void CheckList::pass(std::string name, std::string detail) {
  checks_.push_back({std::move(name), CheckOutcome::kPass, std::move(detail)});
}

void CheckList::fail(std::string name, std::string detail) {
  checks_.push_back({std::move(name), CheckOutcome::kFail, std::move(detail)});
}

void CheckList::skip(std::string name, std::string why) {
  checks_.push_back({std::move(name), CheckOutcome::kSkip, std::move(why)});
}

void CheckList::append(const CheckList& other, std::string_view name_prefix) {
  for (const Check& c : other.checks_) {
    checks_.push_back({std::string(name_prefix) + c.name, c.outcome, c.detail});
  }
}

bool CheckList::passed() const {
  return first_failure() == nullptr;
}

const Check* CheckList::first_failure() const {
  auto it = std::find_if(checks_.begin(), checks_.end(),
                         [](const Check& c) { return c.outcome == CheckOutcome::kFail; });
  return it == checks_.end() ? nullptr : &*it;
}

const Check* CheckList::find(std::string_view name) const {
  auto it =
      std::find_if(checks_.begin(), checks_.end(), [&](const Check& c) { return c.name == name; });
  return it == checks_.end() ? nullptr : &*it;
}

}  // namespace cllm::gpu
