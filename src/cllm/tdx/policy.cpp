#include "cllm/tdx/policy.hpp"

#include <algorithm>
#include <exception>

#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"

namespace cllm::tdx {
namespace {

Error key_error(std::string_view key, std::string_view what) {
  return make_error(ErrorCode::kParse, "policy." + std::string(key) + ": " + std::string(what));
}

Result<bool> bool_key(const Json& root, std::string_view key, bool fallback) {
  auto it = root.find(key);
  if (it == root.end()) return fallback;
  if (!it->is_boolean()) return key_error(key, "expected true or false");
  return it->get<bool>();
}

template <std::size_t N>
Result<std::optional<std::array<std::uint8_t, N>>> hex_key(const Json& object,
                                                           std::string_view key) {
  auto it = object.find(key);
  if (it == object.end()) return std::optional<std::array<std::uint8_t, N>>();
  if (!it->is_string()) return key_error("expected." + std::string(key), "expected a hex string");
  auto bytes = from_hex(it->get<std::string>());
  if (!bytes.ok() || bytes->size() != N) {
    return key_error("expected." + std::string(key),
                     "expected " + std::to_string(2 * N) + " hex digits");
  }
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return std::optional<std::array<std::uint8_t, N>>(out);
}

Result<std::vector<std::string>> string_list(const Json& root, std::string_view key) {
  std::vector<std::string> out;
  auto it = root.find(key);
  if (it == root.end()) return out;
  if (!it->is_array() || it->size() > 1024) return key_error(key, "expected a list of strings");
  for (const auto& item : *it) {
    if (!item.is_string()) return key_error(key, "expected a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Status check_keys(const Json& object, std::initializer_list<std::string_view> known,
                  std::string_view where) {
  for (const auto& item : object.items()) {
    if (std::find(known.begin(), known.end(), item.key()) == known.end()) {
      std::string shown = item.key().substr(0, 64);
      for (char& c : shown) {
        if (c < 0x20 || c > 0x7e) c = '?';
      }
      return key_error(where, "unknown key \"" + shown + "\"");
    }
  }
  return ok_status();
}

template <std::size_t N>
void expect_equal(const std::optional<std::array<std::uint8_t, N>>& expected,
                  const std::array<std::uint8_t, N>& actual, std::string_view name,
                  std::vector<std::string>& errors) {
  if (expected && *expected != actual) {
    errors.push_back("policy." + std::string(name) + ": " + to_hex(actual) +
                     " is not the expected " + to_hex(*expected));
  }
}

}  // namespace

Result<Policy> parse_policy_json(std::string_view text) {
  if (text.size() > kMaxPolicyJsonSize) return make_error(ErrorCode::kLimit, "policy: too large");
  auto parsed = parse_json(text, 8);
  if (!parsed.ok()) return std::move(parsed).error().context("policy");
  const Json& root = *parsed;
  if (!root.is_object()) return make_error(ErrorCode::kParse, "policy: expected an object");
  try {
    CLLM_TRY(
        check_keys(root,
                   {"version", "allowed_tcb_statuses", "allowed_advisory_ids", "allow_debug",
                    "require_sept_ve_disable", "allow_service_td", "allow_simulated", "expected"},
                   "policy"));
    auto version = root.find("version");
    if (version == root.end() || !version->is_number_integer() ||
        version->get<std::int64_t>() != 1) {
      return key_error("version", "must be 1");
    }
    Policy policy;
    if (root.contains("allowed_tcb_statuses")) {
      CLLM_ASSIGN_OR_RETURN(auto names, string_list(root, "allowed_tcb_statuses"));
      policy.allowed_statuses.clear();
      for (const auto& name : names) {
        auto status = parse_tcb_status(name);
        if (!status.ok()) return key_error("allowed_tcb_statuses", status.error().message());
        if (*status == TcbStatus::kRevoked) {
          return key_error("allowed_tcb_statuses", "Revoked can never be allowed");
        }
        policy.allowed_statuses.insert(*status);
      }
    }
    CLLM_ASSIGN_OR_RETURN(auto advisories, string_list(root, "allowed_advisory_ids"));
    policy.allowed_advisories.insert(advisories.begin(), advisories.end());
    CLLM_ASSIGN_OR_RETURN(policy.allow_debug, bool_key(root, "allow_debug", false));
    CLLM_ASSIGN_OR_RETURN(policy.require_sept_ve_disable,
                          bool_key(root, "require_sept_ve_disable", true));
    CLLM_ASSIGN_OR_RETURN(policy.allow_service_td, bool_key(root, "allow_service_td", false));
    CLLM_ASSIGN_OR_RETURN(policy.allow_simulated, bool_key(root, "allow_simulated", false));
    auto expected = root.find("expected");
    if (expected != root.end()) {
      if (!expected->is_object()) return key_error("expected", "expected an object");
      CLLM_TRY(check_keys(
          *expected,
          {"mr_td", "mr_config_id", "mr_owner", "rtmr0", "rtmr1", "rtmr2", "rtmr3", "report_data"},
          "expected"));
      CLLM_ASSIGN_OR_RETURN(policy.mr_td, hex_key<48>(*expected, "mr_td"));
      CLLM_ASSIGN_OR_RETURN(policy.mr_config_id, hex_key<48>(*expected, "mr_config_id"));
      CLLM_ASSIGN_OR_RETURN(policy.mr_owner, hex_key<48>(*expected, "mr_owner"));
      for (std::size_t i = 0; i < 4; ++i) {
        CLLM_ASSIGN_OR_RETURN(policy.rtmr[i], hex_key<48>(*expected, "rtmr" + std::to_string(i)));
      }
      CLLM_ASSIGN_OR_RETURN(policy.report_data, hex_key<64>(*expected, "report_data"));
    }
    return policy;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kParse, std::string("policy: ") + e.what());
  }
}

Appraisal appraise(const VerificationResult& result, const Policy& policy) {
  Appraisal out;
  auto& errors = out.errors;
  if (!result.verified) {
    errors.push_back("policy.verification: the evidence did not verify" +
                     (result.errors.empty() ? std::string() : ": " + result.errors.front()));
  }
  if (result.simulated && !policy.allow_simulated) {
    errors.push_back(
        "policy.simulated: evidence chains to the simulator root; pass --allow-simulated");
  }
  if (result.verified) {
    if (result.status == TcbStatus::kRevoked || policy.allowed_statuses.count(result.status) == 0) {
      errors.push_back("policy.tcb_status: " + std::string(to_string(result.status)) +
                       " not allowed");
    }
    for (const auto& id : result.advisory_ids) {
      if (policy.allowed_advisories.count(id) == 0) {
        errors.push_back("policy.advisory: " + id + " not allowed");
      }
    }
  }
  const bool wants_td_values = policy.mr_td || policy.mr_config_id || policy.mr_owner ||
                               std::any_of(policy.rtmr.begin(), policy.rtmr.end(),
                                           [](const auto& r) { return r.has_value(); });
  if (const TdReport* td = result.quote.td_report()) {
    const TdAttributes attributes = decode_td_attributes(td->td_attributes);
    if (attributes.debug && !policy.allow_debug) {
      errors.push_back("policy.debug: DEBUG TD rejected");
    }
    if (attributes.reserved_bits_set) {
      errors.push_back("policy.td_attributes: reserved bits set in " + to_hex(td->td_attributes));
    }
    if (policy.require_sept_ve_disable && !attributes.sept_ve_disable) {
      errors.push_back("policy.sept_ve_disable: SEPT_VE_DISABLE is clear");
    }
    const bool service_td = std::any_of(td->mr_service_td.begin(), td->mr_service_td.end(),
                                        [](std::uint8_t b) { return b != 0; });
    if (td->is_v15 && service_td && !policy.allow_service_td) {
      errors.push_back("policy.service_td: a service TD is bound (mr_service_td " +
                       to_hex(td->mr_service_td) + ")");
    }
    expect_equal(policy.mr_td, td->mr_td, "mr_td", errors);
    expect_equal(policy.mr_config_id, td->mr_config_id, "mr_config_id", errors);
    expect_equal(policy.mr_owner, td->mr_owner, "mr_owner", errors);
    for (std::size_t i = 0; i < 4; ++i) {
      expect_equal(policy.rtmr[i], td->rtmr[i], "rtmr" + std::to_string(i), errors);
    }
    expect_equal(policy.report_data, td->report_data, "report_data", errors);
  } else if (const EnclaveReport* enclave = result.quote.enclave_report()) {
    if (enclave->debug() && !policy.allow_debug) {
      errors.push_back("policy.debug: DEBUG enclave rejected");
    }
    if (wants_td_values) {
      errors.push_back("policy.tee_type: the policy expects TD measurements; this is an SGX quote");
    }
    expect_equal(policy.report_data, enclave->report_data, "report_data", errors);
  }
  out.accepted = errors.empty();
  return out;
}

}  // namespace cllm::tdx
