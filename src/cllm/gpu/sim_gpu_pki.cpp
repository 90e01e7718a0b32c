#include "cllm/gpu/sim_gpu_pki.hpp"

#include <openssl/evp.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/crypto/certificate_issuer.hpp"
#include "cllm/crypto/hash.hpp"
#include "cllm/crypto/private_key_file.hpp"
#include "cllm/crypto/random.hpp"

namespace cllm::gpu {

namespace {

constexpr std::string_view kFormat = "cllm-sim-gpu-pki/v1";
constexpr unsigned kFileMode = 0600;
constexpr std::size_t kMaxSimFileSize = 1u << 20;
constexpr std::size_t kDevicePdiSize = 8;
constexpr std::int64_t kYear = 365 * 24 * 3600;
// Certificates start an hour before creation, so a verifier whose clock is a little behind
// still accepts them.
constexpr std::int64_t kBackdateSeconds = 3600;
// Device certificates never expire, like NVIDIA's (notAfter 9999-12-31T23:59:59Z).
constexpr std::int64_t kForever = 253402300799;
// .invalid never resolves (RFC 2606): nobody fetches simulated revocation data.
constexpr std::string_view kOcspUri = "http://ocsp.cllm-gpu-simulator.invalid";
constexpr std::string_view kDeviceCrlUri = "http://crl.cllm-gpu-simulator.invalid/crl/l2-gh100.crl";
constexpr std::string_view kRimCrlUri = "http://crl.cllm-gpu-simulator.invalid/crl-corim/l1-corim";

enum KeyIndex : std::size_t {
  kDeviceRootKey,
  kIdentityKey,
  kProvisionerKey,
  kRimRootKey,
  kRimCaKey,
  kRimL3Key,
  kRimSignerKey,
  kFixedKeyCount,
};
constexpr std::size_t kKeyCount = kFixedKeyCount + 2 * kSimMaxGpus;
std::size_t brom_key(std::size_t gpu) {
  return kFixedKeyCount + 2 * gpu;
}
std::size_t leaf_key(std::size_t gpu) {
  return kFixedKeyCount + 2 * gpu + 1;
}

Error sim_error(ErrorCode code, const std::string& message) {
  return make_error(code, "gpu simulator: " + message);
}

std::string join_path(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}

Status ensure_directory(const std::string& dir) {
  auto made = ensure_private_directory(dir);
  if (!made) return std::move(made).error().context("gpu simulator");
  return ok_status();
}

// --- the little DER the two NVIDIA-specific extensions need --------------------------------

void append_der_length(Bytes& out, std::size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  Bytes be;
  for (std::size_t n = length; n != 0; n >>= 8)
    be.insert(be.begin(), static_cast<std::uint8_t>(n));
  out.push_back(static_cast<std::uint8_t>(0x80 | be.size()));
  out.insert(out.end(), be.begin(), be.end());
}

Bytes der_tlv(std::uint8_t tag, ByteView content) {
  Bytes out{tag};
  append_der_length(out, content.size());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes concat(std::initializer_list<ByteView> parts) {
  Bytes out;
  for (ByteView part : parts)
    out.insert(out.end(), part.begin(), part.end());
  return out;
}

// OBJECT IDENTIFIER contents for a dotted OID.
Bytes oid_content(std::string_view dotted) {
  std::vector<std::uint64_t> arcs;
  std::uint64_t value = 0;
  for (char c : dotted) {
    if (c == '.') {
      arcs.push_back(value);
      value = 0;
    } else {
      value = value * 10 + static_cast<std::uint64_t>(c - '0');
    }
  }
  arcs.push_back(value);
  Bytes out;
  auto base128 = [&](std::uint64_t v) {
    Bytes tmp{static_cast<std::uint8_t>(v & 0x7F)};
    for (v >>= 7; v != 0; v >>= 7) {
      tmp.insert(tmp.begin(), static_cast<std::uint8_t>(0x80 | (v & 0x7F)));
    }
    out.insert(out.end(), tmp.begin(), tmp.end());
  };
  base128(arcs[0] * 40 + arcs[1]);
  for (std::size_t i = 2; i < arcs.size(); ++i)
    base128(arcs[i]);
  return out;
}

// The DER SubjectPublicKeyInfo of a key.
Result<Bytes> spki_der(const crypto::EcdsaPublicKey& key) {
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(key.pkey(), &der);
  if (len <= 0) return crypto::openssl_error("gpu simulator: encoding a public key");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

// Hopper's FWID extension: SEQUENCE { INTEGER 1, SubjectPublicKeyInfo (the leaf's key),
// SEQUENCE { id-sha384, OCTET STRING fwid } }; verifiers take the last 48 bytes.
Bytes hopper_fwid_extension(ByteView spki_der, ByteView fwid) {
  const Bytes version = der_tlv(0x02, Bytes{0x01});
  const Bytes digest = der_tlv(
      0x30, concat({der_tlv(0x06, oid_content("2.16.840.1.101.3.4.2.2")), der_tlv(0x04, fwid)}));
  return der_tlv(0x30, concat({version, spki_der, digest}));
}

// subjectAltName with one otherName { 1.3.6.1.4.1.412.274.1, [0] UTF8String text }.
Bytes nvidia_san_extension(std::string_view text) {
  const Bytes value = der_tlv(0xA0, der_tlv(0x0C, as_bytes(text)));
  const Bytes other_name =
      der_tlv(0xA0, concat({der_tlv(0x06, oid_content(kNvidiaSanOtherNameOid)), value}));
  return der_tlv(0x30, other_name);
}

std::string upper_hex(ByteView bytes) {
  std::string text = to_hex(bytes);
  std::transform(text.begin(), text.end(), text.begin(),
                 [](char c) { return static_cast<char>(c >= 'a' && c <= 'f' ? c - 32 : c); });
  return text;
}

std::string sim_name(std::string_view what) {
  return "cllm Simulated " + std::string(what);
}

crypto::CertificateSpec ca_spec(std::vector<crypto::NameAttribute> subject, std::int64_t not_before,
                                std::int64_t not_after) {
  crypto::CertificateSpec spec;
  spec.subject = std::move(subject);
  spec.not_before = not_before;
  spec.not_after = not_after;
  spec.basic_constraints = crypto::BasicConstraints::kCa;
  spec.key_usage = "critical,keyCertSign,cRLSign";
  spec.signature_hash = crypto::HashAlgorithm::kSha384;
  return spec;
}

}  // namespace

Bytes sim_gsp_fmc_fwid() {
  auto digest = crypto::sha384(as_bytes(std::string_view("cllm simulated GSP FMC firmware v1")));
  return digest ? std::move(digest).value() : Bytes(48, 0);
}

struct SimGpuPki::State {
  std::string dir;
  const Clock* clock = nullptr;
  std::vector<crypto::EcdsaPrivateKey> keys;  // KeyIndex order, then BROM/leaf per GPU
  std::optional<crypto::Certificate> device_root, identity, provisioner;
  std::optional<crypto::Certificate> rim_root, rim_ca, rim_l3, rim_signer;
  std::string device_root_pem, rim_root_pem;
  std::vector<SimGpuIdentity> gpus;
  std::vector<Bytes> switch_pdis;
  std::vector<crypto::Certificate> rim_chain;

  Status create();
  Status load();
  Status assemble(std::vector<std::optional<crypto::Certificate>>& brom,
                  std::vector<std::optional<crypto::Certificate>>& leaf,
                  const std::vector<Bytes>& pdis);
};

Status SimGpuPki::State::create() {
  keys.clear();
  for (std::size_t i = 0; i < kKeyCount; ++i) {
    CLLM_ASSIGN_OR_RETURN(auto key, crypto::EcdsaPrivateKey::generate(crypto::EcCurve::kP384));
    keys.push_back(std::move(key));
  }
  const std::int64_t now = clock->now_unix();
  const std::int64_t start = now - kBackdateSeconds;
  const std::string org(kSimOrganization);

  // Device identity PKI, as NVIDIA's: root and identity CA names without C, ICA with C=US.
  auto root_spec =
      ca_spec({{"CN", std::string(kSimDeviceRootCaName)}, {"O", org}}, start, kForever);
  CLLM_ASSIGN_OR_RETURN(root_spec.serial, crypto::random_serial());
  CLLM_ASSIGN_OR_RETURN(
      device_root, crypto::issue_certificate(root_spec, keys[kDeviceRootKey].public_key(), nullptr,
                                             keys[kDeviceRootKey]));
  auto identity_spec =
      ca_spec({{"CN", sim_name("NVIDIA GH100 Identity")}, {"O", org}}, start, kForever);
  CLLM_ASSIGN_OR_RETURN(identity_spec.serial, crypto::random_serial());
  identity_spec.crl_distribution_point = std::string(kDeviceCrlUri);
  identity_spec.ocsp_uri = std::string(kOcspUri);
  CLLM_ASSIGN_OR_RETURN(identity,
                        crypto::issue_certificate(identity_spec, keys[kIdentityKey].public_key(),
                                                  &*device_root, keys[kDeviceRootKey]));
  auto ica_spec =
      ca_spec({{"CN", sim_name("NVIDIA GH100 Provisioner ICA 1")}, {"O", org}, {"C", "US"}}, start,
              kForever);
  CLLM_ASSIGN_OR_RETURN(ica_spec.serial, crypto::random_serial());
  ica_spec.crl_distribution_point = std::string(kDeviceCrlUri);
  ica_spec.ocsp_uri = std::string(kOcspUri);
  CLLM_ASSIGN_OR_RETURN(provisioner,
                        crypto::issue_certificate(ica_spec, keys[kProvisionerKey].public_key(),
                                                  &*identity, keys[kIdentityKey]));

  std::vector<std::optional<crypto::Certificate>> brom(kSimMaxGpus), leaf(kSimMaxGpus);
  std::vector<Bytes> pdis;
  const Bytes fwid = sim_gsp_fmc_fwid();
  for (std::size_t i = 0; i < kSimMaxGpus; ++i) {
    CLLM_ASSIGN_OR_RETURN(Bytes pdi, crypto::random_bytes(kDevicePdiSize));
    CLLM_ASSIGN_OR_RETURN(Bytes brom_serial, crypto::random_bytes(9));
    brom_serial[0] = static_cast<std::uint8_t>((brom_serial[0] & 0x7F) | 0x01);
    crypto::CertificateSpec brom_spec;
    brom_spec.subject = {{"serialNumber", upper_hex(brom_serial)},
                         {"C", "US"},
                         {"O", org},
                         {"CN", std::string(kSimBromName)}};
    brom_spec.serial = brom_serial;
    brom_spec.not_before = start;
    brom_spec.not_after = kForever;
    brom_spec.basic_constraints = crypto::BasicConstraints::kCa;
    brom_spec.key_usage = "critical,keyCertSign";
    brom_spec.signature_hash = crypto::HashAlgorithm::kSha384;
    CLLM_ASSIGN_OR_RETURN(
        brom[i], crypto::issue_certificate(brom_spec, keys[brom_key(i)].public_key(), &*provisioner,
                                           keys[kProvisionerKey]));

    // The leaf: no basicConstraints, digitalSignature only, SAN and FWID, as on Hopper.
    CLLM_ASSIGN_OR_RETURN(Bytes leaf_serial, crypto::random_bytes(20));
    leaf_serial[0] = static_cast<std::uint8_t>((leaf_serial[0] & 0x7F) | 0x01);
    crypto::CertificateSpec leaf_spec;
    leaf_spec.subject = {{"serialNumber", upper_hex(leaf_serial)},
                         {"C", "US"},
                         {"O", org},
                         {"CN", std::string(kSimLeafName)}};
    leaf_spec.serial = leaf_serial;
    leaf_spec.not_before = start;
    leaf_spec.not_after = kForever;
    leaf_spec.basic_constraints = crypto::BasicConstraints::kAbsent;
    leaf_spec.key_usage = "critical,digitalSignature";
    leaf_spec.signature_hash = crypto::HashAlgorithm::kSha384;
    // The SPKI inside the FWID extension is the leaf's own key (as in the real chains).
    CLLM_ASSIGN_OR_RETURN(Bytes leaf_spki, spki_der(keys[leaf_key(i)].public_key()));
    leaf_spec.extensions.push_back(
        {"2.5.29.17", false, nvidia_san_extension("NVIDIA:GH100:" + upper_hex(pdi))});
    leaf_spec.extensions.push_back(
        {std::string(kHopperFwidExtensionOid), false, hopper_fwid_extension(leaf_spki, fwid)});
    CLLM_ASSIGN_OR_RETURN(
        leaf[i], crypto::issue_certificate(leaf_spec, keys[leaf_key(i)].public_key(), &*brom[i],
                                           keys[brom_key(i)]));
    pdis.push_back(std::move(pdi));
  }
  switch_pdis.clear();
  for (std::size_t i = 0; i < kSimSwitchCount; ++i) {
    CLLM_ASSIGN_OR_RETURN(Bytes pdi, crypto::random_bytes(kDevicePdiSize));
    switch_pdis.push_back(std::move(pdi));
  }

  // RIM signing PKI, as NVIDIA's CoRIM chain.
  auto rim_root_spec = ca_spec({{"C", "US"}, {"O", org}, {"CN", std::string(kSimRimRootCaName)}},
                               start, now + 30 * kYear);
  CLLM_ASSIGN_OR_RETURN(rim_root_spec.serial, crypto::random_serial());
  CLLM_ASSIGN_OR_RETURN(
      rim_root, crypto::issue_certificate(rim_root_spec, keys[kRimRootKey].public_key(), nullptr,
                                          keys[kRimRootKey]));
  auto rim_ca_spec =
      ca_spec({{"CN", sim_name("NVIDIA Reference Value GH100 CA")}, {"O", org}, {"C", "US"}}, start,
              now + 10 * kYear);
  CLLM_ASSIGN_OR_RETURN(rim_ca_spec.serial, crypto::random_serial());
  rim_ca_spec.crl_distribution_point = std::string(kRimCrlUri);
  rim_ca_spec.ocsp_uri = std::string(kOcspUri);
  CLLM_ASSIGN_OR_RETURN(rim_ca, crypto::issue_certificate(rim_ca_spec, keys[kRimCaKey].public_key(),
                                                          &*rim_root, keys[kRimRootKey]));
  auto rim_l3_spec =
      ca_spec({{"CN", sim_name("NVIDIA Reference Value L3 GH100 001")}, {"O", org}, {"C", "US"}},
              start, now + 5 * kYear);
  CLLM_ASSIGN_OR_RETURN(rim_l3_spec.serial, crypto::random_serial());
  rim_l3_spec.path_length = 0;
  rim_l3_spec.ocsp_uri = std::string(kOcspUri);
  CLLM_ASSIGN_OR_RETURN(rim_l3, crypto::issue_certificate(rim_l3_spec, keys[kRimL3Key].public_key(),
                                                          &*rim_ca, keys[kRimCaKey]));
  crypto::CertificateSpec signer_spec;
  signer_spec.subject = {{"C", "US"}, {"O", org}, {"CN", sim_name("HCC RIM L4 Signer")}};
  CLLM_ASSIGN_OR_RETURN(signer_spec.serial, crypto::random_serial());
  signer_spec.not_before = start;
  signer_spec.not_after = now + 2 * kYear;
  signer_spec.basic_constraints = crypto::BasicConstraints::kEndEntity;
  signer_spec.key_usage = "critical,digitalSignature";
  signer_spec.ocsp_uri = std::string(kOcspUri);
  signer_spec.signature_hash = crypto::HashAlgorithm::kSha384;
  CLLM_ASSIGN_OR_RETURN(
      rim_signer, crypto::issue_certificate(signer_spec, keys[kRimSignerKey].public_key(), &*rim_l3,
                                            keys[kRimL3Key]));

  CLLM_TRY(assemble(brom, leaf, pdis));

  // Persist: keys first (0600), then certificates, then pki.json, whose presence marks a
  // complete PKI.
  CLLM_TRY(crypto::write_private_key_file(join_path(dir, "keys.bin"), keys, kFileMode));
  auto save = [&](std::string_view name, const crypto::Certificate& cert) -> Status {
    CLLM_ASSIGN_OR_RETURN(std::string pem, crypto::certificate_pem(cert));
    return write_file_atomic(join_path(dir, name), as_bytes(pem), kFileMode);
  };
  CLLM_TRY(save("device_root_ca.pem", *device_root));
  CLLM_TRY(save("device_identity_ca.pem", *identity));
  CLLM_TRY(save("device_provisioner_ca.pem", *provisioner));
  CLLM_TRY(save("rim_root_ca.pem", *rim_root));
  CLLM_TRY(save("rim_ca.pem", *rim_ca));
  CLLM_TRY(save("rim_l3_ca.pem", *rim_l3));
  CLLM_TRY(save("rim_signer.pem", *rim_signer));
  Json gpu_list = Json::array();
  for (std::size_t i = 0; i < kSimMaxGpus; ++i) {
    CLLM_TRY(save("gpu" + std::to_string(i) + "_brom.pem", *brom[i]));
    CLLM_TRY(save("gpu" + std::to_string(i) + "_leaf.pem", *leaf[i]));
    gpu_list.push_back({{"pdi", to_hex(pdis[i])}});
  }
  Json switch_list = Json::array();
  for (const Bytes& pdi : switch_pdis)
    switch_list.push_back(to_hex(pdi));
  Json meta = {{"format", kFormat},
               {"simulated", true},
               {"created", now},
               {"gpus", gpu_list},
               {"switch_pdis", switch_list}};
  return write_file_atomic(join_path(dir, "pki.json"), as_bytes(meta.dump(2) + "\n"), kFileMode);
}

Status SimGpuPki::State::assemble(std::vector<std::optional<crypto::Certificate>>& brom,
                                  std::vector<std::optional<crypto::Certificate>>& leaf,
                                  const std::vector<Bytes>& pdis) {
  CLLM_ASSIGN_OR_RETURN(device_root_pem, crypto::certificate_pem(*device_root));
  CLLM_ASSIGN_OR_RETURN(rim_root_pem, crypto::certificate_pem(*rim_root));
  CLLM_ASSIGN_OR_RETURN(std::string identity_pem, crypto::certificate_pem(*identity));
  CLLM_ASSIGN_OR_RETURN(std::string provisioner_pem, crypto::certificate_pem(*provisioner));
  gpus.clear();
  for (std::size_t i = 0; i < kSimMaxGpus; ++i) {
    CLLM_ASSIGN_OR_RETURN(std::string leaf_pem, crypto::certificate_pem(*leaf[i]));
    CLLM_ASSIGN_OR_RETURN(std::string brom_pem, crypto::certificate_pem(*brom[i]));
    // The identity gets its own copy of the leaf key; keys keeps one for persisting.
    CLLM_ASSIGN_OR_RETURN(SecretBytes scalar, keys[leaf_key(i)].export_scalar());
    CLLM_ASSIGN_OR_RETURN(
        auto key, crypto::EcdsaPrivateKey::from_scalar(crypto::EcCurve::kP384, scalar.view()));
    gpus.push_back(
        SimGpuIdentity{std::move(key), *leaf[i], *brom[i], pdis[i],
                       leaf_pem + brom_pem + provisioner_pem + identity_pem + device_root_pem});
  }
  rim_chain = {*rim_signer, *rim_l3, *rim_ca, *rim_root};
  return ok_status();
}

Status SimGpuPki::State::load() {
  CLLM_ASSIGN_OR_RETURN(std::string meta_text,
                        read_text_file(join_path(dir, "pki.json"), kMaxSimFileSize));
  CLLM_ASSIGN_OR_RETURN(Json meta, parse_json(meta_text));
  CLLM_ASSIGN_OR_RETURN(std::string format, json_string(meta, "format"));
  if (format != kFormat) {
    return sim_error(ErrorCode::kUnsupported, "pki.json: unknown format '" + format + "'");
  }
  auto read_pdi = [](const Json& value, std::string_view what) -> Result<Bytes> {
    if (!value.is_string()) return sim_error(ErrorCode::kParse, "pki.json: " + std::string(what));
    CLLM_ASSIGN_OR_RETURN(Bytes pdi, from_hex(value.get<std::string>()));
    if (pdi.size() != kDevicePdiSize) {
      return sim_error(ErrorCode::kParse, "pki.json: " + std::string(what) + " must be 8 bytes");
    }
    return pdi;
  };
  std::vector<Bytes> pdis;
  const auto gpu_list = meta.find("gpus");
  if (gpu_list == meta.end() || !gpu_list->is_array() || gpu_list->size() != kSimMaxGpus) {
    return sim_error(ErrorCode::kParse,
                     "pki.json: gpus must list " + std::to_string(kSimMaxGpus) + " entries");
  }
  for (const Json& entry : *gpu_list) {
    if (!entry.is_object() || !entry.contains("pdi")) {
      return sim_error(ErrorCode::kParse, "pki.json: gpu entry without pdi");
    }
    CLLM_ASSIGN_OR_RETURN(Bytes pdi, read_pdi(entry["pdi"], "gpu pdi"));
    pdis.push_back(std::move(pdi));
  }
  const auto switch_list = meta.find("switch_pdis");
  if (switch_list == meta.end() || !switch_list->is_array() ||
      switch_list->size() != kSimSwitchCount) {
    return sim_error(ErrorCode::kParse, "pki.json: switch_pdis must list " +
                                            std::to_string(kSimSwitchCount) + " entries");
  }
  switch_pdis.clear();
  for (const Json& entry : *switch_list) {
    CLLM_ASSIGN_OR_RETURN(Bytes pdi, read_pdi(entry, "switch pdi"));
    switch_pdis.push_back(std::move(pdi));
  }

  {
    auto loaded = crypto::read_private_key_file(join_path(dir, "keys.bin"), crypto::EcCurve::kP384,
                                                kKeyCount);
    if (!loaded) return std::move(loaded).error().context("gpu simulator");
    keys = std::move(loaded).value();
  }
  auto load_cert = [&](const std::string& name, std::size_t key_index,
                       std::optional<crypto::Certificate>& out) -> Status {
    CLLM_ASSIGN_OR_RETURN(std::string pem, read_text_file(join_path(dir, name), kMaxSimFileSize));
    CLLM_ASSIGN_OR_RETURN(auto cert, crypto::Certificate::from_pem(pem));
    // The stored certificate must certify the stored key, or the files were mixed up.
    if (EVP_PKEY_eq(cert.public_key(), keys[key_index].pkey()) != 1) {
      return sim_error(ErrorCode::kVerification, name + " does not match its key in keys.bin");
    }
    out = std::move(cert);
    return ok_status();
  };
  CLLM_TRY(load_cert("device_root_ca.pem", kDeviceRootKey, device_root));
  CLLM_TRY(load_cert("device_identity_ca.pem", kIdentityKey, identity));
  CLLM_TRY(load_cert("device_provisioner_ca.pem", kProvisionerKey, provisioner));
  CLLM_TRY(load_cert("rim_root_ca.pem", kRimRootKey, rim_root));
  CLLM_TRY(load_cert("rim_ca.pem", kRimCaKey, rim_ca));
  CLLM_TRY(load_cert("rim_l3_ca.pem", kRimL3Key, rim_l3));
  CLLM_TRY(load_cert("rim_signer.pem", kRimSignerKey, rim_signer));
  std::vector<std::optional<crypto::Certificate>> brom(kSimMaxGpus), leaf(kSimMaxGpus);
  for (std::size_t i = 0; i < kSimMaxGpus; ++i) {
    CLLM_TRY(load_cert("gpu" + std::to_string(i) + "_brom.pem", brom_key(i), brom[i]));
    CLLM_TRY(load_cert("gpu" + std::to_string(i) + "_leaf.pem", leaf_key(i), leaf[i]));
    if (!leaf[i]->is_signed_by(*brom[i]) || !brom[i]->is_signed_by(*provisioner)) {
      return sim_error(ErrorCode::kVerification,
                       "stored certificates of GPU " + std::to_string(i) + " do not chain");
    }
  }
  if (!provisioner->is_signed_by(*identity) || !identity->is_signed_by(*device_root) ||
      !device_root->is_signed_by(*device_root) || !rim_signer->is_signed_by(*rim_l3) ||
      !rim_l3->is_signed_by(*rim_ca) || !rim_ca->is_signed_by(*rim_root) ||
      !rim_root->is_signed_by(*rim_root)) {
    return sim_error(ErrorCode::kVerification, "stored certificates do not chain to their roots");
  }
  return assemble(brom, leaf, pdis);
}

SimGpuPki::SimGpuPki(std::unique_ptr<State> state) : state_(std::move(state)) {}
SimGpuPki::SimGpuPki(SimGpuPki&&) noexcept = default;
SimGpuPki& SimGpuPki::operator=(SimGpuPki&&) noexcept = default;
SimGpuPki::~SimGpuPki() = default;

Result<SimGpuPki> SimGpuPki::open(const SimGpuPkiOptions& options) {
  auto state = std::make_unique<State>();
  state->dir = options.dir;
  state->clock = options.clock != nullptr ? options.clock : &SystemClock::instance();
  CLLM_TRY(ensure_directory(state->dir));
  if (file_exists(join_path(state->dir, "pki.json"))) {
    if (auto loaded = state->load(); !loaded) {
      return std::move(loaded).error().context("gpu simulator: loading " + state->dir);
    }
  } else {
    CLLM_TRY(state->create());
  }
  return SimGpuPki(std::move(state));
}

const std::string& SimGpuPki::dir() const {
  return state_->dir;
}
const crypto::Certificate& SimGpuPki::device_root() const {
  return *state_->device_root;
}
const std::string& SimGpuPki::device_root_pem() const {
  return state_->device_root_pem;
}
const SimGpuIdentity& SimGpuPki::gpu(std::size_t index) const {
  return state_->gpus.at(index);
}
const std::vector<Bytes>& SimGpuPki::switch_pdis() const {
  return state_->switch_pdis;
}
const crypto::Certificate& SimGpuPki::rim_root() const {
  return *state_->rim_root;
}
const std::string& SimGpuPki::rim_root_pem() const {
  return state_->rim_root_pem;
}
const crypto::EcdsaPrivateKey& SimGpuPki::rim_signing_key() const {
  return state_->keys[kRimSignerKey];
}
const std::vector<crypto::Certificate>& SimGpuPki::rim_signer_chain() const {
  return state_->rim_chain;
}

}  // namespace cllm::gpu
