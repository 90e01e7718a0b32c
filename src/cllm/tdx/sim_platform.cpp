#include "cllm/tdx/sim_platform.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/private_key_file.hpp"
#include "cllm/crypto/random.hpp"
#include "cllm/tdx/pck_extension.hpp"
#include "cllm/tdx/sim_pki.hpp"

namespace cllm::tdx {

namespace {

constexpr std::string_view kFormat = "cllm-sim-platform/v1";
constexpr std::string_view kCollateralFormat = "cllm-sim-collateral/v1";
constexpr unsigned kFileMode = 0600;
constexpr std::size_t kKeyCount = 5;
constexpr std::size_t kMaxSimFileSize = 1u << 20;
constexpr std::int64_t kYear = 365 * 24 * 3600;
// Certificates start an hour before creation, so a verifier whose clock is a little behind
// still accepts them.
constexpr std::int64_t kBackdateSeconds = 3600;
// .invalid never resolves (RFC 2606): nobody fetches a simulated CRL from the network.
constexpr std::string_view kRootCrlUri = "https://cllm-tdx-simulator.invalid/sgx/rootca.crl";
constexpr std::string_view kPckCrlUri =
    "https://cllm-tdx-simulator.invalid/sgx/certification/v4/pckcrl?ca=platform&encoding=der";

enum KeyIndex : std::size_t { kRootKey, kPckCaKey, kPckKey, kTcbSigningKey, kAttestationKey };

Error sim_error(ErrorCode code, const std::string& message) {
  return make_error(code, "tdx simulator: " + message);
}

std::string join_path(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}

Status ensure_directory(const std::string& dir) {
  auto made = ensure_private_directory(dir);
  if (!made) return std::move(made).error().context("tdx simulator");
  return ok_status();
}

Status write_text(const std::string& path, std::string_view text) {
  return write_file_atomic(path, as_bytes(text), kFileMode);
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> fixed_hex(const Json& object, std::string_view key) {
  CLLM_ASSIGN_OR_RETURN(std::string text, json_string(object, key));
  CLLM_ASSIGN_OR_RETURN(Bytes bytes, from_hex(text));
  if (bytes.size() != N) {
    return sim_error(ErrorCode::kParse, "platform.json: " + std::string(key) + " must be " +
                                            std::to_string(N) + " bytes");
  }
  std::array<std::uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

}  // namespace

Result<std::string> default_sim_dir() {
  const char* xdg = std::getenv("XDG_DATA_HOME");
  if (xdg != nullptr && xdg[0] == '/') return std::string(xdg) + "/cllm/sim";
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] != '/') {
    return sim_error(ErrorCode::kNotFound,
                     "neither XDG_DATA_HOME nor HOME is set to an absolute path; pass --sim-dir");
  }
  return std::string(home) + "/.local/share/cllm/sim";
}

struct SimPlatform::State {
  std::string dir;
  const Clock* clock = nullptr;
  SimTcbVariant variant = SimTcbVariant::kUpToDate;
  std::array<std::uint8_t, 6> fmspc{};
  std::array<std::uint8_t, 2> pce_id{};
  Bytes ppid;
  Bytes platform_instance_id;
  SimPlatformTcb tcb;
  std::vector<crypto::EcdsaPrivateKey> keys;  // KeyIndex order
  std::optional<crypto::Certificate> root, pck_ca, pck, tcb_signing;
  std::string root_pem, pck_ca_pem, pck_pem, tcb_signing_pem;
  Collateral collateral;
  std::int64_t issue_date = 0;
  std::int64_t next_update = 0;

  Status create(SimTcbVariant requested);
  Status load();
  Status issue_collateral();
  Status load_collateral();
  Status save_collateral() const;
  Status set_pems();
};

Status SimPlatform::State::set_pems() {
  CLLM_ASSIGN_OR_RETURN(root_pem, certificate_pem(*root));
  CLLM_ASSIGN_OR_RETURN(pck_ca_pem, certificate_pem(*pck_ca));
  CLLM_ASSIGN_OR_RETURN(pck_pem, certificate_pem(*pck));
  CLLM_ASSIGN_OR_RETURN(tcb_signing_pem, certificate_pem(*tcb_signing));
  return ok_status();
}

Status SimPlatform::State::create(SimTcbVariant requested) {
  variant = requested;
  tcb = sim_platform_tcb(variant);
  // A made-up FMSPC (not one of Intel's families) and PCE-ID 0000 like every real one.
  fmspc = {0xC1, 0x1D, 0x00, 0x00, 0x00, 0x00};
  pce_id = {0x00, 0x00};
  CLLM_ASSIGN_OR_RETURN(ppid, crypto::random_bytes(16));
  CLLM_ASSIGN_OR_RETURN(platform_instance_id, crypto::random_bytes(16));

  keys.clear();
  for (std::size_t i = 0; i < kKeyCount; ++i) {
    CLLM_ASSIGN_OR_RETURN(auto key, crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP256));
    keys.push_back(std::move(key));
  }

  const std::int64_t now = clock->now_unix();
  const std::int64_t start = now - kBackdateSeconds;

  SimCertificateSpec root_spec;
  root_spec.common_name = std::string(kSimRootCaName);
  CLLM_ASSIGN_OR_RETURN(root_spec.serial, random_serial());
  root_spec.not_before = start;
  root_spec.not_after = now + 25 * kYear;
  root_spec.is_ca = true;
  root_spec.path_length = 1;
  root_spec.key_usage = SimKeyUsage::kCa;
  root_spec.crl_distribution_point = std::string(kRootCrlUri);
  CLLM_ASSIGN_OR_RETURN(
      root, issue_certificate(root_spec, keys[kRootKey].public_key(), nullptr, keys[kRootKey]));

  SimCertificateSpec ca_spec;
  ca_spec.common_name = std::string(kSimPckCaName);
  CLLM_ASSIGN_OR_RETURN(ca_spec.serial, random_serial());
  ca_spec.not_before = start;
  ca_spec.not_after = now + 15 * kYear;
  ca_spec.is_ca = true;
  ca_spec.path_length = 0;
  ca_spec.key_usage = SimKeyUsage::kCa;
  ca_spec.crl_distribution_point = std::string(kRootCrlUri);
  CLLM_ASSIGN_OR_RETURN(
      pck_ca, issue_certificate(ca_spec, keys[kPckCaKey].public_key(), &*root, keys[kRootKey]));

  PckExtension extension;
  extension.ppid = ppid;
  extension.cpu_svn_components = tcb.sgx_components;
  extension.pce_svn = tcb.pce_svn;
  extension.cpu_svn = tcb.sgx_components;
  extension.pce_id = pce_id;
  extension.fmspc = fmspc;
  extension.sgx_type = 1;  // scalable, like the Platform CA PCK certificates of TDX servers
  extension.platform_instance_id = platform_instance_id;
  extension.configuration = PckConfiguration{false, true, true};

  SimCertificateSpec pck_spec;
  pck_spec.common_name = std::string(kSimPckName);
  CLLM_ASSIGN_OR_RETURN(pck_spec.serial, random_serial());
  pck_spec.not_before = start;
  pck_spec.not_after = now + 7 * kYear;
  pck_spec.key_usage = SimKeyUsage::kLeaf;
  pck_spec.crl_distribution_point = std::string(kPckCrlUri);
  pck_spec.custom_extension_oid = std::string(kSgxExtensionOid);
  pck_spec.custom_extension_value = encode_pck_extension(extension);
  CLLM_ASSIGN_OR_RETURN(
      pck, issue_certificate(pck_spec, keys[kPckKey].public_key(), &*pck_ca, keys[kPckCaKey]));

  SimCertificateSpec tcb_spec;
  tcb_spec.common_name = std::string(kSimTcbSigningName);
  CLLM_ASSIGN_OR_RETURN(tcb_spec.serial, random_serial());
  tcb_spec.not_before = start;
  tcb_spec.not_after = now + 7 * kYear;
  tcb_spec.key_usage = SimKeyUsage::kLeaf;
  tcb_spec.crl_distribution_point = std::string(kRootCrlUri);
  CLLM_ASSIGN_OR_RETURN(tcb_signing, issue_certificate(tcb_spec, keys[kTcbSigningKey].public_key(),
                                                       &*root, keys[kRootKey]));
  CLLM_TRY(set_pems());

  // Persist: keys first (0600), then the public parts, then platform.json, whose presence
  // marks a complete platform.
  CLLM_TRY(crypto::write_private_key_file(join_path(dir, "keys.bin"), keys, kFileMode));
  CLLM_TRY(write_text(join_path(dir, "root_ca.pem"), root_pem));
  CLLM_TRY(write_text(join_path(dir, "pck_ca.pem"), pck_ca_pem));
  CLLM_TRY(write_text(join_path(dir, "pck.pem"), pck_pem));
  CLLM_TRY(write_text(join_path(dir, "tcb_signing.pem"), tcb_signing_pem));
  CLLM_TRY(issue_collateral());

  Json meta = {{"format", kFormat},
               {"simulated", true},
               {"variant", to_string(variant)},
               {"fmspc", to_hex(fmspc)},
               {"pce_id", to_hex(pce_id)},
               {"ppid", to_hex(ppid)},
               {"platform_instance_id", to_hex(platform_instance_id)},
               {"created", now}};
  return write_text(join_path(dir, "platform.json"), meta.dump(2) + "\n");
}

Status SimPlatform::State::load() {
  CLLM_ASSIGN_OR_RETURN(std::string meta_text,
                        read_text_file(join_path(dir, "platform.json"), kMaxSimFileSize));
  CLLM_ASSIGN_OR_RETURN(Json meta, parse_json(meta_text));
  CLLM_ASSIGN_OR_RETURN(std::string format, json_string(meta, "format"));
  if (format != kFormat) {
    return sim_error(ErrorCode::kUnsupported, "platform.json: unknown format '" + format + "'");
  }
  CLLM_ASSIGN_OR_RETURN(std::string variant_text, json_string(meta, "variant"));
  const auto parsed_variant = sim_tcb_variant_from_string(variant_text);
  if (!parsed_variant) {
    return sim_error(ErrorCode::kParse, "platform.json: unknown variant '" + variant_text + "'");
  }
  variant = *parsed_variant;
  tcb = sim_platform_tcb(variant);
  CLLM_ASSIGN_OR_RETURN(fmspc, fixed_hex<6>(meta, "fmspc"));
  CLLM_ASSIGN_OR_RETURN(pce_id, fixed_hex<2>(meta, "pce_id"));
  CLLM_ASSIGN_OR_RETURN(auto ppid_array, fixed_hex<16>(meta, "ppid"));
  ppid.assign(ppid_array.begin(), ppid_array.end());
  CLLM_ASSIGN_OR_RETURN(auto instance, fixed_hex<16>(meta, "platform_instance_id"));
  platform_instance_id.assign(instance.begin(), instance.end());

  {
    auto loaded = crypto::read_private_key_file(join_path(dir, "keys.bin"), crypto::EcCurve::kP256,
                                                kKeyCount);
    if (!loaded) return std::move(loaded).error().context("tdx simulator");
    keys = std::move(loaded).value();
  }

  auto load_cert = [&](std::string_view name, const crypto::EcdsaPrivateKey& key,
                       std::optional<crypto::Certificate>& out) -> Status {
    CLLM_ASSIGN_OR_RETURN(std::string pem, read_text_file(join_path(dir, name), kMaxSimFileSize));
    CLLM_ASSIGN_OR_RETURN(auto cert, crypto::Certificate::from_pem(pem));
    // The stored certificate must certify the stored key, or the files were mixed up.
    if (EVP_PKEY_eq(cert.public_key(), key.pkey()) != 1) {
      return sim_error(ErrorCode::kVerification,
                       std::string(name) + " does not match its key in keys.bin");
    }
    out = std::move(cert);
    return ok_status();
  };
  CLLM_TRY(load_cert("root_ca.pem", keys[kRootKey], root));
  CLLM_TRY(load_cert("pck_ca.pem", keys[kPckCaKey], pck_ca));
  CLLM_TRY(load_cert("pck.pem", keys[kPckKey], pck));
  CLLM_TRY(load_cert("tcb_signing.pem", keys[kTcbSigningKey], tcb_signing));
  if (!pck->is_signed_by(*pck_ca) || !pck_ca->is_signed_by(*root) ||
      !tcb_signing->is_signed_by(*root) || !root->is_signed_by(*root)) {
    return sim_error(ErrorCode::kVerification, "stored certificates do not chain to the root");
  }
  CLLM_TRY(set_pems());

  if (!load_collateral().ok()) return issue_collateral();
  return ok_status();
}

Status SimPlatform::State::issue_collateral() {
  const std::int64_t now = clock->now_unix();
  const std::int64_t next = now + kSimCollateralValiditySeconds;
  // CRL numbers only grow: the issue time is a fine counter.
  CLLM_ASSIGN_OR_RETURN(auto root_crl, issue_empty_crl(*root, keys[kRootKey], now, now, next));
  CLLM_ASSIGN_OR_RETURN(auto pck_crl, issue_empty_crl(*pck_ca, keys[kPckCaKey], now, now, next));
  CLLM_ASSIGN_OR_RETURN(std::string tcb_info, sim_tcb_info_json(fmspc, pce_id, now, next));
  CLLM_ASSIGN_OR_RETURN(std::string qe_identity, sim_qe_identity_json(now, next));
  CLLM_ASSIGN_OR_RETURN(Bytes tcb_signature, keys[kTcbSigningKey].sign(as_bytes(tcb_info)));
  CLLM_ASSIGN_OR_RETURN(Bytes qe_signature, keys[kTcbSigningKey].sign(as_bytes(qe_identity)));

  Collateral fresh;
  fresh.pck_crl_issuer_chain = pck_ca_pem + root_pem;
  fresh.root_ca_crl = root_crl.der();
  fresh.pck_crl = pck_crl.der();
  fresh.tcb_info_issuer_chain = tcb_signing_pem + root_pem;
  fresh.tcb_info = std::move(tcb_info);
  fresh.tcb_info_signature = std::move(tcb_signature);
  fresh.qe_identity_issuer_chain = tcb_signing_pem + root_pem;
  fresh.qe_identity = std::move(qe_identity);
  fresh.qe_identity_signature = std::move(qe_signature);
  collateral = std::move(fresh);
  issue_date = now;
  next_update = next;
  return save_collateral();
}

Status SimPlatform::State::save_collateral() const {
  Json out = {{"format", kCollateralFormat},
              {"issue_date", issue_date},
              {"next_update", next_update},
              {"root_ca_crl", to_hex(collateral.root_ca_crl)},
              {"pck_crl", to_hex(collateral.pck_crl)},
              {"tcb_info", collateral.tcb_info},
              {"tcb_info_signature", to_hex(collateral.tcb_info_signature)},
              {"qe_identity", collateral.qe_identity},
              {"qe_identity_signature", to_hex(collateral.qe_identity_signature)}};
  return write_text(join_path(dir, "collateral.json"), out.dump(2) + "\n");
}

// Loads stored collateral. Any problem (missing, unreadable, not signed by these keys) is
// reported, and the caller re-issues: collateral is derived data.
Status SimPlatform::State::load_collateral() {
  const std::string path = join_path(dir, "collateral.json");
  if (!file_exists(path)) return sim_error(ErrorCode::kNotFound, "no collateral.json");
  CLLM_ASSIGN_OR_RETURN(std::string text, read_text_file(path, kMaxSimFileSize));
  CLLM_ASSIGN_OR_RETURN(Json stored, parse_json(text));
  CLLM_ASSIGN_OR_RETURN(std::string format, json_string(stored, "format"));
  if (format != kCollateralFormat) return sim_error(ErrorCode::kUnsupported, "collateral format");
  Collateral loaded;
  CLLM_ASSIGN_OR_RETURN(std::int64_t issued, json_int(stored, "issue_date"));
  CLLM_ASSIGN_OR_RETURN(std::int64_t next, json_int(stored, "next_update"));
  CLLM_ASSIGN_OR_RETURN(std::string root_crl_hex, json_string(stored, "root_ca_crl"));
  CLLM_ASSIGN_OR_RETURN(loaded.root_ca_crl, from_hex(root_crl_hex));
  CLLM_ASSIGN_OR_RETURN(std::string pck_crl_hex, json_string(stored, "pck_crl"));
  CLLM_ASSIGN_OR_RETURN(loaded.pck_crl, from_hex(pck_crl_hex));
  CLLM_ASSIGN_OR_RETURN(loaded.tcb_info, json_string(stored, "tcb_info"));
  CLLM_ASSIGN_OR_RETURN(std::string tcb_sig_hex, json_string(stored, "tcb_info_signature"));
  CLLM_ASSIGN_OR_RETURN(loaded.tcb_info_signature, from_hex(tcb_sig_hex));
  CLLM_ASSIGN_OR_RETURN(loaded.qe_identity, json_string(stored, "qe_identity"));
  CLLM_ASSIGN_OR_RETURN(std::string qe_sig_hex, json_string(stored, "qe_identity_signature"));
  CLLM_ASSIGN_OR_RETURN(loaded.qe_identity_signature, from_hex(qe_sig_hex));

  // Documents from an older simulator version (other levels or identities) are re-issued.
  CLLM_ASSIGN_OR_RETURN(std::string expected_tcb_info,
                        sim_tcb_info_json(fmspc, pce_id, issued, next));
  CLLM_ASSIGN_OR_RETURN(std::string expected_qe_identity, sim_qe_identity_json(issued, next));
  if (loaded.tcb_info != expected_tcb_info || loaded.qe_identity != expected_qe_identity) {
    return sim_error(ErrorCode::kVerification, "stored collateral is not this simulator's");
  }
  const auto& tcb_key = keys[kTcbSigningKey].public_key();
  CLLM_TRY(tcb_key.verify(as_bytes(loaded.tcb_info), loaded.tcb_info_signature));
  CLLM_TRY(tcb_key.verify(as_bytes(loaded.qe_identity), loaded.qe_identity_signature));
  CLLM_ASSIGN_OR_RETURN(auto root_crl, crypto::Crl::from_der(loaded.root_ca_crl));
  CLLM_TRY(root_crl.verify_signature(*root));
  CLLM_ASSIGN_OR_RETURN(auto pck_crl, crypto::Crl::from_der(loaded.pck_crl));
  CLLM_TRY(pck_crl.verify_signature(*pck_ca));

  loaded.pck_crl_issuer_chain = pck_ca_pem + root_pem;
  loaded.tcb_info_issuer_chain = tcb_signing_pem + root_pem;
  loaded.qe_identity_issuer_chain = tcb_signing_pem + root_pem;
  collateral = std::move(loaded);
  issue_date = issued;
  next_update = next;
  return ok_status();
}

Result<SimPlatform> SimPlatform::open(const SimPlatformOptions& options) {
  auto state = std::make_unique<State>();
  if (options.dir.empty()) {
    CLLM_ASSIGN_OR_RETURN(state->dir, default_sim_dir());
  } else {
    state->dir = options.dir;
  }
  while (state->dir.size() > 1 && state->dir.back() == '/')
    state->dir.pop_back();
  state->clock = options.clock != nullptr ? options.clock : &SystemClock::instance();
  CLLM_TRY(ensure_directory(state->dir));

  if (file_exists(join_path(state->dir, "platform.json"))) {
    Status loaded = state->load();
    if (!loaded.ok()) {
      return std::move(loaded).error().context("tdx simulator: loading platform in " + state->dir);
    }
    if (options.require_variant && state->variant != options.variant) {
      return sim_error(ErrorCode::kInvalidArgument,
                       "platform in " + state->dir + " has TCB variant " +
                           std::string(to_string(state->variant)) + ", not " +
                           std::string(to_string(options.variant)));
    }
  } else {
    Status created = state->create(options.variant);
    if (!created.ok()) {
      return std::move(created).error().context("tdx simulator: creating platform in " +
                                                state->dir);
    }
  }
  SimPlatform platform(std::move(state));
  CLLM_TRY(platform.refresh_collateral_if_needed());
  return platform;
}

SimPlatform::SimPlatform(std::unique_ptr<State> state) : state_(std::move(state)) {}
SimPlatform::SimPlatform(SimPlatform&&) noexcept = default;
SimPlatform& SimPlatform::operator=(SimPlatform&&) noexcept = default;
SimPlatform::~SimPlatform() = default;

const std::string& SimPlatform::dir() const {
  return state_->dir;
}
SimTcbVariant SimPlatform::variant() const {
  return state_->variant;
}
const std::array<std::uint8_t, 6>& SimPlatform::fmspc() const {
  return state_->fmspc;
}
const std::array<std::uint8_t, 2>& SimPlatform::pce_id() const {
  return state_->pce_id;
}
const Bytes& SimPlatform::ppid() const {
  return state_->ppid;
}
const SimPlatformTcb& SimPlatform::tcb() const {
  return state_->tcb;
}
const Clock& SimPlatform::clock() const {
  return *state_->clock;
}
const crypto::Certificate& SimPlatform::root_certificate() const {
  return *state_->root;
}
const std::string& SimPlatform::root_certificate_pem() const {
  return state_->root_pem;
}
const crypto::Certificate& SimPlatform::pck_ca_certificate() const {
  return *state_->pck_ca;
}
const crypto::Certificate& SimPlatform::pck_certificate() const {
  return *state_->pck;
}
const crypto::Certificate& SimPlatform::tcb_signing_certificate() const {
  return *state_->tcb_signing;
}
std::string SimPlatform::pck_chain_pem() const {
  return state_->pck_pem + state_->pck_ca_pem + state_->root_pem;
}
const crypto::EcdsaPrivateKey& SimPlatform::pck_key() const {
  return state_->keys[kPckKey];
}
const crypto::EcdsaPrivateKey& SimPlatform::attestation_key() const {
  return state_->keys[kAttestationKey];
}
const Collateral& SimPlatform::collateral() const {
  return state_->collateral;
}
std::int64_t SimPlatform::collateral_issue_date() const {
  return state_->issue_date;
}
std::int64_t SimPlatform::collateral_next_update() const {
  return state_->next_update;
}

Status SimPlatform::refresh_collateral_if_needed() {
  const std::int64_t now = state_->clock->now_unix();
  if (now < state_->issue_date || now >= state_->next_update - kSimCollateralRefreshMarginSeconds) {
    return refresh_collateral();
  }
  return ok_status();
}

Status SimPlatform::refresh_collateral() {
  return state_->issue_collateral();
}

}  // namespace cllm::tdx
