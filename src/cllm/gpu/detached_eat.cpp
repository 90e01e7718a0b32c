#include "cllm/gpu/detached_eat.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>

#include "cllm/common/hex.hpp"
#include "cllm/common/printable.hpp"
#include "cllm/crypto/hash.hpp"

namespace cllm::gpu {

namespace {

constexpr std::size_t kMaxPrintable = 200;

// Outside text in a message: bounded, control and non-ASCII bytes replaced.
std::string printable(std::string_view text) {
  return printable_ascii(text, kMaxPrintable);
}

// "GPU-3" -> (kGpu, 3). nullopt for anything else.
std::optional<std::pair<DeviceKind, std::size_t>> parse_device_name(std::string_view name) {
  DeviceKind kind;
  std::string_view digits;
  if (name.starts_with("GPU-")) {
    kind = DeviceKind::kGpu;
    digits = name.substr(4);
  } else if (name.starts_with("SWITCH-")) {
    kind = DeviceKind::kSwitch;
    digits = name.substr(7);
  } else {
    return std::nullopt;
  }
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  std::size_t index = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return std::make_pair(kind, index);
}

std::string kind_word(DeviceKind kind) {
  return kind == DeviceKind::kGpu ? "gpu" : "switch";
}

Result<Jws> parse_token(const Json& value, std::string_view where) {
  if (!value.is_string()) {
    return make_error(ErrorCode::kParse,
                      "detached eat: " + std::string(where) + " is not a string");
  }
  auto jws = parse_jws(value.get_ref<const std::string&>());
  if (!jws) return std::move(jws).error().context("detached eat: " + std::string(where));
  return jws;
}

void check_signature(CheckList& checks, const std::string& name, const Jws& jws, const Jwks& jwks) {
  const Jwk* key = jwks.find(jws.kid);
  if (key == nullptr) {
    checks.fail(name, "unknown kid '" + printable(jws.kid) + "': the NRAS JWKS has no such key");
    return;
  }
  auto verified = verify_jws(jws, key->key);
  if (!verified) {
    checks.fail(name, verified.error().message());
    return;
  }
  checks.pass(name, "ES384 with kid '" + printable(jws.kid) + "'");
}

void check_issuer(CheckList& checks, const std::string& name, const Json& claims,
                  const std::string& issuer) {
  auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string()) {
    checks.fail(name, "no iss claim");
  } else if (*iss != issuer) {
    checks.fail(name, "iss '" + printable(iss->get_ref<const std::string&>()) +
                          "' is not the NRAS base URL '" + issuer + "'");
  } else {
    checks.pass(name, issuer);
  }
}

// nullopt when absent; an error when present but not an integer.
Result<std::optional<std::int64_t>> time_claim(const Json& claims, std::string_view key) {
  auto it = claims.find(key);
  if (it == claims.end() || it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer()) {
    return make_error(ErrorCode::kParse, std::string(key) + " is not an integer");
  }
  // get<int64_t> would wrap an unsigned value above INT64_MAX to a negative time.
  if (it->is_number_unsigned() &&
      it->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    return make_error(ErrorCode::kParse, std::string(key) + " is out of range");
  }
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

void check_time(CheckList& checks, const std::string& name, const Json& claims,
                const EatExpectations& expect) {
  auto exp = time_claim(claims, "exp");
  auto nbf = time_claim(claims, "nbf");
  auto iat = time_claim(claims, "iat");
  for (const auto* r : {&exp, &nbf, &iat}) {
    if (!r->ok()) return checks.fail(name, r->error().message());
  }
  const std::int64_t now = expect.now_unix;
  const std::int64_t leeway = expect.leeway_s;
  if (!exp->has_value()) return checks.fail(name, "no exp claim");
  if (now - leeway > **exp) {  // not exp + leeway: exp comes from outside and could overflow
    return checks.fail(
        name, "token expired at " + std::to_string(**exp) + " (now " + std::to_string(now) + ")");
  }
  if (nbf->has_value() && now + leeway < **nbf) {
    return checks.fail(name, "token not valid before " + std::to_string(**nbf) + " (now " +
                                 std::to_string(now) + ")");
  }
  if (iat->has_value() && **iat > now + leeway) {
    return checks.fail(name, "token issued in the future at " + std::to_string(**iat) + " (now " +
                                 std::to_string(now) + ")");
  }
  checks.pass(name, "valid at " + std::to_string(now) + ", expires " + std::to_string(**exp));
}

void check_nonce(CheckList& checks, const std::string& name, const Json& claims,
                 const Bytes& nonce) {
  auto it = claims.find("eat_nonce");
  if (it == claims.end() || !it->is_string()) return checks.fail(name, "no eat_nonce claim");
  const auto& text = it->get_ref<const std::string&>();
  auto decoded = from_hex(text);
  if (!decoded || *decoded != nonce) {
    return checks.fail(name,
                       "eat_nonce '" + printable(text) + "' is not our nonce " + to_hex(nonce));
  }
  checks.pass(name, to_hex(nonce));
}

// The error details of one token, or nullopt when it carries none.
std::optional<std::string> error_details(const Json& claims) {
  auto it = claims.find("x-nvidia-error-details");
  if (it == claims.end() || it->is_null()) return std::nullopt;
  return describe_nras_error(*it);
}

void check_submods(CheckList& checks, const DetachedEat& eat, const Json& overall) {
  auto it = overall.find("submods");
  if (it == overall.end() || !it->is_object()) {
    checks.fail("nras-submods-count", "no submods object in the overall token");
    checks.fail("nras-submods-digest", "no submods object in the overall token");
    return;
  }
  const Json& submods = *it;
  if (submods.size() != eat.devices.size()) {
    checks.fail("nras-submods-count", std::to_string(submods.size()) + " submods for " +
                                          std::to_string(eat.devices.size()) + " device tokens");
  } else {
    checks.pass("nras-submods-count", std::to_string(submods.size()));
  }
  std::string failures;
  for (const EatDeviceToken& device : eat.devices) {
    auto entry = submods.find(device.name);
    std::string problem;
    if (entry == submods.end()) {
      problem = "no submods entry";
    } else if (!entry->is_array() || entry->size() != 2 || (*entry)[0] != "DIGEST" ||
               !(*entry)[1].is_array() || (*entry)[1].size() != 2 || (*entry)[1][0] != "SHA-256" ||
               !(*entry)[1][1].is_string()) {
      problem = "submods entry is not [\"DIGEST\", [\"SHA-256\", hex]]";
    } else {
      auto expected = from_hex((*entry)[1][1].get_ref<const std::string&>());
      auto actual = crypto::sha256(as_bytes(device.token.compact));
      if (!actual) {
        problem = actual.error().message();
      } else if (!expected || *expected != *actual) {
        problem = "digest differs from SHA-256 of the token (" + to_hex(*actual) + ")";
      }
    }
    if (!problem.empty()) failures += (failures.empty() ? "" : "; ") + device.name + ": " + problem;
  }
  if (failures.empty()) {
    checks.pass("nras-submods-digest", "every device token matches its SHA-256 digest");
  } else {
    checks.fail("nras-submods-digest", failures);
  }
}

void check_device(CheckList& checks, const EatDeviceToken& device, const Jwks& jwks,
                  const EatExpectations& expect) {
  const std::string kind = kind_word(device.kind);
  const std::string prefix = "nras-" + kind + "-" + std::to_string(device.index) + "-";
  const Json& claims = device.token.payload;
  check_signature(checks, prefix + "token-signature", device.token, jwks);
  check_issuer(checks, prefix + "token-issuer", claims, expect.issuer);
  check_time(checks, prefix + "token-time", claims, expect);
  check_nonce(checks, prefix + "eat-nonce", claims, expect.nonce);

  // Claims 2.0 and 3.0 both carry the report nonce comparison as a boolean.
  const std::string nonce_claim = "x-nvidia-" + kind + "-attestation-report-nonce-match";
  auto match = claims.find(nonce_claim);
  if (match != claims.end() && *match == true) {
    checks.pass(prefix + "nonce-match", nonce_claim + " is true");
  } else {
    checks.fail(prefix + "nonce-match",
                nonce_claim + " is " + (match == claims.end() ? "absent" : match->dump()));
  }
  auto measres = claims.find("measres");
  if (measres != claims.end() && *measres == "success") {
    checks.pass(prefix + "measres", "success");
  } else {
    const std::string got = measres == claims.end() ? "absent" : measres->dump();
    checks.fail(prefix + "measres", "measres is " + printable(got) + ", not \"success\"");
  }
  if (auto error = error_details(claims)) {
    checks.fail(prefix + "error-details", *error);
  } else {
    checks.pass(prefix + "error-details", "none");
  }
}

std::string_view nras_error_meaning(std::int64_t code) {
  switch (code) {
    case 4003:
      return "invalid nonce";
    case 4007:
      return "invalid certificate chain";
    case 4010:
      return "the evidence nonce does not match the request nonce";
    case 4013:
      return "invalid evidence signature";
    case 4014:
      return "invalid attestation certificate chain";
    case 4015:
      return "invalid RIM certificate chain";
    case 5013:
      return "invalid RIM signature";
    default:
      return "unrecognised code";
  }
}

}  // namespace

Result<DetachedEat> parse_detached_eat(std::string_view text) {
  if (text.size() > kMaxDetachedEatSize) {
    return make_error(ErrorCode::kLimit, "detached eat: answer of " + std::to_string(text.size()) +
                                             " bytes exceeds " +
                                             std::to_string(kMaxDetachedEatSize));
  }
  auto doc = parse_json(text, 8);
  if (!doc) return std::move(doc).error().context("detached eat");
  if (!doc->is_array() || doc->size() != 2) {
    return make_error(ErrorCode::kParse, "detached eat: not a two-element array");
  }
  const Json& head = (*doc)[0];
  if (!head.is_array() || head.size() != 2 || head[0] != "JWT") {
    return make_error(ErrorCode::kParse, "detached eat: first element is not [\"JWT\", token]");
  }
  DetachedEat eat;
  CLLM_ASSIGN_OR_RETURN(eat.overall, parse_token(head[1], "overall token"));
  const Json& submods = (*doc)[1];
  if (!submods.is_object()) {
    return make_error(ErrorCode::kParse, "detached eat: second element is not an object");
  }
  if (submods.size() > kMaxEatDevices) {
    return make_error(ErrorCode::kLimit,
                      "detached eat: more than " + std::to_string(kMaxEatDevices) + " devices");
  }
  for (const auto& [name, value] : submods.items()) {
    auto parsed = parse_device_name(name);
    if (!parsed) {
      return make_error(ErrorCode::kParse, "detached eat: device name '" + printable(name) +
                                               "' is not GPU-n/SWITCH-n");
    }
    CLLM_ASSIGN_OR_RETURN(Jws token, parse_token(value, name));
    eat.devices.push_back({name, parsed->first, parsed->second, std::move(token)});
  }
  // nlohmann orders keys as strings ("GPU-10" < "GPU-2"); NRAS numbers them in evidence order.
  std::sort(eat.devices.begin(), eat.devices.end(),
            [](const EatDeviceToken& a, const EatDeviceToken& b) { return a.index < b.index; });
  for (std::size_t i = 0; i < eat.devices.size(); ++i) {
    if (eat.devices[i].index != i || eat.devices[i].kind != eat.devices[0].kind) {
      return make_error(ErrorCode::kParse,
                        "detached eat: device tokens are not numbered 0..n-1 of one kind");
    }
  }
  return eat;
}

std::vector<std::string> unknown_kids(const DetachedEat& eat, const Jwks& jwks) {
  std::vector<std::string> out;
  auto note = [&](const Jws& jws) {
    if (jwks.find(jws.kid) == nullptr && std::find(out.begin(), out.end(), jws.kid) == out.end()) {
      out.push_back(jws.kid);
    }
  };
  note(eat.overall);
  for (const EatDeviceToken& device : eat.devices)
    note(device.token);
  return out;
}

Status EatVerification::status() const {
  if (accepted()) return ok_status();
  const Check* failed = checks.first_failure();
  if (failed == nullptr) return make_error(ErrorCode::kVerification, "nras: no check ran");
  return make_error(ErrorCode::kVerification,
                    "nras: check " + failed->name + " failed: " + failed->detail);
}

EatVerification verify_detached_eat(const DetachedEat& eat, const Jwks& jwks,
                                    const EatExpectations& expect) {
  EatVerification out;
  CheckList& checks = out.checks;
  const Json& overall = eat.overall.payload;
  out.overall_claims = overall;
  // Expectations that would let an empty claim match, or a token without devices pass.
  if (expect.nonce.size() != 32 || expect.issuer.empty() || eat.devices.empty()) {
    checks.fail("nras-expectations", expect.nonce.size() != 32
                                         ? "the expected nonce is not 32 bytes"
                                     : expect.issuer.empty() ? "no expected issuer"
                                                             : "the token carries no device token");
    return out;
  }

  check_signature(checks, "nras-token-signature", eat.overall, jwks);
  check_issuer(checks, "nras-token-issuer", overall, expect.issuer);
  check_time(checks, "nras-token-time", overall, expect);
  check_nonce(checks, "nras-eat-nonce", overall, expect.nonce);

  // A false overall result is explained by the devices' error details when NRAS gave any, so
  // the first failure already names the code (4010 ...), not just "false".
  std::string reasons;
  if (auto error = error_details(overall)) reasons = *error;
  for (const EatDeviceToken& device : eat.devices) {
    if (auto error = error_details(device.token.payload)) {
      reasons += (reasons.empty() ? "" : "; ") + device.name + ": " + *error;
    }
  }
  auto result = overall.find("x-nvidia-overall-att-result");
  if (result != overall.end() && *result == true) {
    checks.pass("nras-overall-result", "x-nvidia-overall-att-result is true");
  } else {
    std::string detail = "x-nvidia-overall-att-result is " +
                         (result == overall.end() ? std::string("absent") : result->dump());
    if (!reasons.empty()) detail += ": " + reasons;
    checks.fail("nras-overall-result", detail);
  }

  if (expect.expected_devices.has_value()) {
    if (*expect.expected_devices == eat.devices.size()) {
      checks.pass("nras-device-count", std::to_string(eat.devices.size()));
    } else {
      checks.fail("nras-device-count", std::to_string(eat.devices.size()) + " device tokens for " +
                                           std::to_string(*expect.expected_devices) +
                                           " evidence items sent");
    }
  }
  check_submods(checks, eat, overall);

  for (const EatDeviceToken& device : eat.devices) {
    check_device(checks, device, jwks, expect);
    out.devices.push_back({device.name, device.kind, device.index, device.token.payload});
  }
  return out;
}

std::string describe_nras_error(const Json& details) {
  if (!details.is_object()) return "NRAS error details: " + printable(details.dump());
  std::int64_t code = -1;
  std::string code_text = "?";
  if (auto it = details.find("code"); it != details.end()) {
    if (it->is_number_integer()) {
      code = it->get<std::int64_t>();
      code_text = std::to_string(code);
    } else if (it->is_string()) {
      code_text = printable(it->get_ref<const std::string&>());
      std::int64_t parsed = 0;
      auto [end, ec] =
          std::from_chars(code_text.data(), code_text.data() + code_text.size(), parsed);
      if (ec == std::errc() && end == code_text.data() + code_text.size()) code = parsed;
    }
  }
  std::string out = "NRAS error " + code_text + " (" + std::string(nras_error_meaning(code)) + ")";
  for (const char* field : {"message", "description"}) {
    if (auto it = details.find(field); it != details.end() && it->is_string()) {
      out += ": " + printable(it->get_ref<const std::string&>());
    }
  }
  if (auto it = details.find("fieldName"); it != details.end() && it->is_string()) {
    out += " (field " + printable(it->get_ref<const std::string&>()) + ")";
  }
  return out;
}

}  // namespace cllm::gpu
