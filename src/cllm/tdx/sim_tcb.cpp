#include "cllm/tdx/sim_tcb.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <vector>

#include "cllm/common/clock.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/crypto/hash.hpp"

namespace cllm::tdx {

namespace {

// Keeps insertion order, so the serialized member order is the PCS order below.
using OrderedJson = nlohmann::ordered_json;

struct Level {
  SimTcbVariant status;
  const char* tcb_date;
  std::array<std::uint8_t, 16> sgx;
  std::uint16_t pce_svn;
  std::array<std::uint8_t, 16> tdx;
  std::vector<std::string> advisories;
};

const std::vector<Level>& platform_levels() {
  static const std::vector<Level> levels = {
      {SimTcbVariant::kUpToDate,
       "2024-11-13T00:00:00Z",
       {3, 3, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0},
       13,
       {4, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       {}},
      {SimTcbVariant::kOutOfDate,
       "2023-08-09T00:00:00Z",
       {2, 2, 2, 2, 2, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0},
       11,
       {2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       {"CLLM-SIM-SA-00001"}},
      {SimTcbVariant::kRevoked,
       "2018-01-04T00:00:00Z",
       {1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0},
       5,
       {1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
       {"CLLM-SIM-SA-00001", "CLLM-SIM-SA-00002"}},
  };
  return levels;
}

struct IsvLevel {
  std::uint16_t isv_svn;
  const char* tcb_date;
  SimTcbVariant status;
};

// TDX_01 module levels and TD_QE levels share one shape (isvsvn -> status).
const std::vector<IsvLevel>& module_01_levels() {
  static const std::vector<IsvLevel> levels = {
      {4, "2024-11-13T00:00:00Z", SimTcbVariant::kUpToDate},
      {2, "2023-08-09T00:00:00Z", SimTcbVariant::kOutOfDate},
      {0, "2018-01-04T00:00:00Z", SimTcbVariant::kRevoked},
  };
  return levels;
}

const std::vector<IsvLevel>& module_03_levels() {
  static const std::vector<IsvLevel> levels = {
      {3, "2024-11-13T00:00:00Z", SimTcbVariant::kUpToDate},
  };
  return levels;
}

const std::vector<IsvLevel>& qe_levels() {
  static const std::vector<IsvLevel> levels = {
      {kSimQeIsvSvn, "2024-11-13T00:00:00Z", SimTcbVariant::kUpToDate},
      {2, "2023-08-09T00:00:00Z", SimTcbVariant::kOutOfDate},
      {0, "2018-01-04T00:00:00Z", SimTcbVariant::kRevoked},
  };
  return levels;
}

// The module isvsvn of a platform of each variant (a Revoked platform's module is merely
// behind; the platform level is what revokes it).
std::uint8_t module_isv_svn(SimTcbVariant variant) {
  return variant == SimTcbVariant::kUpToDate ? 4 : 2;
}

std::string upper_hex(ByteView bytes) {
  std::string text = to_hex(bytes);
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  });
  return text;
}

template <std::size_t N>
Result<std::array<std::uint8_t, N>> labelled_digest(std::string_view label) {
  Result<Bytes> digest =
      N == 32 ? crypto::sha256(as_bytes(label)) : crypto::sha384(as_bytes(label));
  if (!digest.ok()) return digest.error();
  std::array<std::uint8_t, N> out{};
  if (digest->size() != N) return make_error(ErrorCode::kInternal, "sim tcb: digest size");
  std::copy(digest->begin(), digest->end(), out.begin());
  return out;
}

OrderedJson isv_levels_json(const std::vector<IsvLevel>& levels) {
  OrderedJson out = OrderedJson::array();
  for (const IsvLevel& level : levels) {
    OrderedJson entry;
    entry["tcb"] = OrderedJson{{"isvsvn", level.isv_svn}};
    entry["tcbDate"] = level.tcb_date;
    entry["tcbStatus"] = std::string(to_string(level.status));
    out.push_back(std::move(entry));
  }
  return out;
}

OrderedJson components_json(const std::array<std::uint8_t, 16>& svns,
                            const std::vector<std::pair<const char*, const char*>>& labels) {
  OrderedJson out = OrderedJson::array();
  for (std::size_t i = 0; i < svns.size(); ++i) {
    OrderedJson component;
    component["svn"] = svns[i];
    if (i < labels.size() && labels[i].first != nullptr) {
      component["category"] = labels[i].first;
      if (labels[i].second != nullptr) component["type"] = labels[i].second;
    }
    out.push_back(std::move(component));
  }
  return out;
}

OrderedJson module_identity_json(std::string_view id, const std::vector<IsvLevel>& levels) {
  OrderedJson identity;
  identity["id"] = std::string(id);
  identity["mrsigner"] = std::string(96, '0');
  identity["attributes"] = "0000000000000000";
  identity["attributesMask"] = "FFFFFFFFFFFFFFFF";
  identity["tcbLevels"] = isv_levels_json(levels);
  return identity;
}

Result<std::string> dump(const OrderedJson& value) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorCode::kInternal, std::string("sim tcb: serializing JSON: ") + e.what());
  }
}

}  // namespace

std::string_view to_string(SimTcbVariant variant) {
  switch (variant) {
    case SimTcbVariant::kUpToDate:
      return "UpToDate";
    case SimTcbVariant::kOutOfDate:
      return "OutOfDate";
    case SimTcbVariant::kRevoked:
      return "Revoked";
  }
  return "UpToDate";
}

std::optional<SimTcbVariant> sim_tcb_variant_from_string(std::string_view text) {
  for (SimTcbVariant v :
       {SimTcbVariant::kUpToDate, SimTcbVariant::kOutOfDate, SimTcbVariant::kRevoked}) {
    if (text == to_string(v)) return v;
  }
  return std::nullopt;
}

SimPlatformTcb sim_platform_tcb(SimTcbVariant variant) {
  SimPlatformTcb out;
  for (const Level& level : platform_levels()) {
    if (level.status != variant) continue;
    out.sgx_components = level.sgx;
    out.pce_svn = level.pce_svn;
    out.tee_tcb_svn[0] = module_isv_svn(variant);
    out.tee_tcb_svn[1] = kSimTdxModuleMajorVersion;
    out.tee_tcb_svn[2] = level.tdx[2];
  }
  return out;
}

Result<Measurement> sim_mr_seam() {
  return labelled_digest<48>("cllm-sim/tdx-module/mrseam/v1");
}
Result<std::array<std::uint8_t, 32>> sim_qe_mr_signer() {
  return labelled_digest<32>("cllm-sim/td-qe/mrsigner/v1");
}
Result<std::array<std::uint8_t, 32>> sim_qe_mr_enclave() {
  return labelled_digest<32>("cllm-sim/td-qe/mrenclave/v1");
}

std::string rfc3339_utc(std::int64_t unix_seconds) {
  return utc_rfc3339(unix_seconds);
}

Result<std::string> sim_tcb_info_json(const std::array<std::uint8_t, 6>& fmspc,
                                      const std::array<std::uint8_t, 2>& pce_id,
                                      std::int64_t issue_date, std::int64_t next_update) {
  static const std::vector<std::pair<const char*, const char*>> sgx_labels = {
      {"BIOS", "Early Microcode Update"},
      {"OS/VMM", "SGX Late Microcode Update"},
      {"OS/VMM", "TXT SINIT"},
      {"BIOS", nullptr},
      {"BIOS", nullptr},
      {"BIOS", nullptr},
      {nullptr, nullptr},
      {"OS/VMM", "SEAMLDR ACM"}};
  static const std::vector<std::pair<const char*, const char*>> tdx_labels = {
      {"OS/VMM", "TDX Module"}, {"OS/VMM", "TDX Module"}, {"OS/VMM", "TDX Late Microcode Update"}};

  OrderedJson info;
  info["id"] = "TDX";
  info["version"] = 3;
  info["issueDate"] = rfc3339_utc(issue_date);
  info["nextUpdate"] = rfc3339_utc(next_update);
  info["fmspc"] = to_hex(fmspc);
  info["pceId"] = upper_hex(pce_id);
  info["tcbType"] = 0;
  info["tcbEvaluationDataNumber"] = kSimTcbEvaluationDataNumber;
  info["tdxModule"] = OrderedJson{{"mrsigner", std::string(96, '0')},
                                  {"attributes", "0000000000000000"},
                                  {"attributesMask", "FFFFFFFFFFFFFFFF"}};
  info["tdxModuleIdentities"] =
      OrderedJson::array({module_identity_json("TDX_03", module_03_levels()),
                          module_identity_json("TDX_01", module_01_levels())});
  OrderedJson levels = OrderedJson::array();
  for (const Level& level : platform_levels()) {
    OrderedJson tcb;
    tcb["sgxtcbcomponents"] = components_json(level.sgx, sgx_labels);
    tcb["pcesvn"] = level.pce_svn;
    tcb["tdxtcbcomponents"] = components_json(level.tdx, tdx_labels);
    OrderedJson entry;
    entry["tcb"] = std::move(tcb);
    entry["tcbDate"] = level.tcb_date;
    entry["tcbStatus"] = std::string(to_string(level.status));
    if (!level.advisories.empty()) entry["advisoryIDs"] = level.advisories;
    levels.push_back(std::move(entry));
  }
  info["tcbLevels"] = std::move(levels);
  return dump(info);
}

Result<std::string> sim_qe_identity_json(std::int64_t issue_date, std::int64_t next_update) {
  CLLM_ASSIGN_OR_RETURN(auto mr_signer, sim_qe_mr_signer());
  const std::array<std::uint8_t, 16> attributes_mask = {
      0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0};
  std::array<std::uint8_t, 16> expected_attributes{};
  for (std::size_t i = 0; i < expected_attributes.size(); ++i) {
    expected_attributes[i] = static_cast<std::uint8_t>(kSimQeAttributes[i] & attributes_mask[i]);
  }
  const std::array<std::uint8_t, 4> misc_select = {
      static_cast<std::uint8_t>(kSimQeMiscSelect >> 24),
      static_cast<std::uint8_t>(kSimQeMiscSelect >> 16),
      static_cast<std::uint8_t>(kSimQeMiscSelect >> 8),
      static_cast<std::uint8_t>(kSimQeMiscSelect)};

  OrderedJson identity;
  identity["id"] = "TD_QE";
  identity["version"] = 2;
  identity["issueDate"] = rfc3339_utc(issue_date);
  identity["nextUpdate"] = rfc3339_utc(next_update);
  identity["tcbEvaluationDataNumber"] = kSimTcbEvaluationDataNumber;
  identity["miscselect"] = upper_hex(misc_select);
  identity["miscselectMask"] = "FFFFFFFF";
  identity["attributes"] = upper_hex(expected_attributes);
  identity["attributesMask"] = upper_hex(attributes_mask);
  identity["mrsigner"] = upper_hex(mr_signer);
  identity["isvprodid"] = kSimQeIsvProdId;
  identity["tcbLevels"] = isv_levels_json(qe_levels());
  return dump(identity);
}

}  // namespace cllm::tdx
