// A simulated cllm node for attest/ratls tests: a real SimAttester in a temporary
// directory (fixed clock), the measured-start events extended into RTMR3, real signing keys,
// and claims built from them. No mocks: the evidence is what a node would serve.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "cllm/attest/appraisal.hpp"
#include "cllm/attest/claims.hpp"
#include "cllm/common/clock.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/ed25519.hpp"
#include "cllm/crypto/ethereum.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/secp256k1.hpp"
#include "cllm/tdx/sim_attester.hpp"
#include "support/temp_dir.hpp"

namespace cllm::attest::testing {

inline constexpr std::int64_t kNow = 1767225600;  // 2026-01-01T00:00:00Z
inline constexpr std::string_view kNonce =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

inline Bytes digest_of(crypto::HashAlgorithm algorithm, std::string_view text) {
  auto d = crypto::hash(algorithm, as_bytes(text));
  EXPECT_TRUE(d.ok());
  return d.ok() ? *d : Bytes{};
}

// Which measured-start events to extend (tests leave one out or add a duplicate).
struct MeasuredStart {
  bool binary = true;
  bool config = true;
  bool model = true;
  bool duplicate_model = false;
};

class SimNode {
 public:
  explicit SimNode(bool debug = false, MeasuredStart start = {}) {
    tdx::SimAttesterOptions options;
    options.platform.dir = dir_.path() + "/sim";
    options.platform.clock = &clock_;
    options.debug = debug;
    auto attester = tdx::SimAttester::create(options);
    EXPECT_TRUE(attester.ok()) << (attester.ok() ? "" : attester.error().message());
    if (attester.ok()) attester_ = std::move(attester).value();

    model_sha256_ = digest_of(crypto::HashAlgorithm::kSha256, "the model weights");
    if (start.binary) extend(kEventBinary, digest_of(crypto::HashAlgorithm::kSha384, "cllm"));
    if (start.config) extend(kEventConfig, digest_of(crypto::HashAlgorithm::kSha256, "{}"));
    if (start.model) extend(kEventModel, model_sha256_);
    if (start.duplicate_model) extend(kEventModel, model_sha256_);

    auto secp = crypto::Secp256k1PrivateKey::generate();
    EXPECT_TRUE(secp.ok());
    secp_public_ = secp->public_key().uncompressed();
    address_ = crypto::eip55_checksum_address(crypto::eth_address(secp->public_key()));
    auto ed = crypto::Ed25519KeyPair::generate();
    EXPECT_TRUE(ed.ok());
    ed_public_ = ed->public_key();
  }

  void extend(std::string_view name, const Bytes& payload) {
    ASSERT_TRUE(attester_);
    auto s = attester_->extend_event(name, payload);
    ASSERT_TRUE(s.ok()) << s.error().message();
  }

  // Claims as the node makes them (tls_spki_sha256 is a placeholder until a key binds it).
  Claims claims(std::string_view purpose) const {
    Claims c;
    c.purpose = std::string(purpose);
    c.tee_type = "sim";
    c.tls_spki_sha256 = std::string(64, 'a');
    c.signing_address = address_;
    c.secp256k1_public_key = to_hex(secp_public_);
    c.ed25519_public_key = to_hex(ed_public_);
    c.model_id = "stories260K";
    c.model_sha256 = to_hex(model_sha256_);
    c.issued_at = kNow;
    if (purpose == kPurposeReport) c.nonce = std::string(kNonce);
    return c;
  }

  // Appraisal options a `cllm verify --allow-simulated` run would use at kNow + 10 s.
  AppraisalOptions options(bool allow_simulated = true) const {
    AppraisalOptions o;
    o.policy.allow_simulated = allow_simulated;
    o.now = kNow + 10;
    return o;
  }

  tdx::SimAttester& attester() { return *attester_; }
  std::string model_sha256_hex() const { return to_hex(model_sha256_); }
  FixedClock& clock() { return clock_; }

 private:
  test::TempDir dir_{"cllm-attest-test"};
  FixedClock clock_ = FixedClock::at_unix(kNow);
  std::unique_ptr<tdx::SimAttester> attester_;
  Bytes model_sha256_;
  Bytes secp_public_;
  Bytes ed_public_;
  std::string address_;
};

inline std::string describe(const Verdict& v) {
  std::string out = v.accepted ? "ACCEPTED" : "REJECTED";
  for (const auto& f : v.factors)
    out += "\n  " + f.name + " " + std::string(to_string(f.outcome)) + ": " + f.detail;
  return out;
}

inline Factor::Outcome outcome_of(const Verdict& v, std::string_view name) {
  const Factor* f = v.find(name);
  EXPECT_NE(f, nullptr) << "no factor " << name << describe(v);
  return f ? f->outcome : Factor::Outcome::kSkip;
}

}  // namespace cllm::attest::testing
