// Named verification checks: every step of a GPU appraisal reports pass, fail or skip with the
// reason, so a rejection always names the check that failed (and a skip says why it did not
// run). The names follow NVIDIA's claim names where one exists (e.g. "gpu-arch-check",
// "attestation-report-signature-verified").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cllm::gpu {

enum class CheckOutcome { kPass, kFail, kSkip };

std::string_view check_outcome_name(CheckOutcome outcome);  // "pass" / "fail" / "skip"

struct Check {
  std::string name;
  CheckOutcome outcome = CheckOutcome::kSkip;
  std::string detail;  // what was compared, or why it failed or was skipped
};

class CheckList {
 public:
  void pass(std::string name, std::string detail = {});
  void fail(std::string name, std::string detail);
  void skip(std::string name, std::string why);
  void append(const CheckList& other, std::string_view name_prefix = {});

  const std::vector<Check>& checks() const { return checks_; }
  // True when no check failed (skips do not fail a list; callers decide which checks must run).
  bool passed() const;
  // The first failed check, or nullptr.
  const Check* first_failure() const;
  // The check of that name, or nullptr.
  const Check* find(std::string_view name) const;

 private:
  std::vector<Check> checks_;
};

}  // namespace cllm::gpu
