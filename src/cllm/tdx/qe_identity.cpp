#include "cllm/tdx/qe_identity.hpp"

#include <algorithm>
#include <exception>
#include <string>

namespace cllm::tdx {
namespace {

// The hex text is the report's bytes in memory order (Intel's QVL sample: "D182B18C" is
// the QE report's misc_select bytes d1 82 b1 8c), and the report field is little-endian.
std::uint32_t le32(const Bytes& b) {
  return std::uint32_t{b[0]} | (std::uint32_t{b[1]} << 8) | (std::uint32_t{b[2]} << 16) |
         (std::uint32_t{b[3]} << 24);
}

Error field_error(std::string_view key, std::string_view what) {
  return make_error(ErrorCode::kParse,
                    "enclaveIdentity." + std::string(key) + ": " + std::string(what));
}

}  // namespace

Result<QeIdentity> parse_qe_identity(std::string_view text) {
  if (text.size() > kMaxCollateralJsonSize) {
    return make_error(ErrorCode::kLimit, "enclaveIdentity: text too large");
  }
  auto parsed = parse_json(text, 16);
  if (!parsed.ok()) return std::move(parsed).error().context("enclaveIdentity");
  const Json& root = *parsed;
  const std::string where = "enclaveIdentity";
  if (!root.is_object())
    return make_error(ErrorCode::kParse, "enclaveIdentity: expected an object");
  try {
    QeIdentity out;
    auto id = json_string(root, "id");
    if (!id.ok()) return field_error("id", id.error().message());
    if (*id == "TD_QE") {
      out.id = QeIdentityId::kTdQe;
    } else if (*id == "QE") {
      out.id = QeIdentityId::kQe;
    } else {
      return field_error("id", "expected \"TD_QE\" or \"QE\"");
    }
    auto version = json_int(root, "version");
    if (!version.ok()) return field_error("version", version.error().message());
    // v1 identities lack the fields the checks need; v3 is accepted by dcap-qvl for TD_QE.
    if (*version != 2 && !(*version == 3 && out.id == QeIdentityId::kTdQe)) {
      return field_error("version", "unsupported version " + std::to_string(*version));
    }
    out.version = static_cast<int>(*version);
    CLLM_ASSIGN_OR_RETURN(out.issue_date, detail::date_field(root, "issueDate", where));
    CLLM_ASSIGN_OR_RETURN(out.next_update, detail::date_field(root, "nextUpdate", where));
    if (root.contains("tcbEvaluationDataNumber")) {
      auto n = json_int(root, "tcbEvaluationDataNumber");
      if (!n.ok()) return field_error("tcbEvaluationDataNumber", n.error().message());
      out.tcb_evaluation_data_number = *n;
    }
    CLLM_ASSIGN_OR_RETURN(Bytes misc, detail::hex_field(root, "miscselect", 4, where));
    CLLM_ASSIGN_OR_RETURN(Bytes misc_mask, detail::hex_field(root, "miscselectMask", 4, where));
    out.miscselect = le32(misc);
    out.miscselect_mask = le32(misc_mask);
    CLLM_ASSIGN_OR_RETURN(Bytes attributes, detail::hex_field(root, "attributes", 16, where));
    CLLM_ASSIGN_OR_RETURN(Bytes mask, detail::hex_field(root, "attributesMask", 16, where));
    std::copy(attributes.begin(), attributes.end(), out.attributes.begin());
    std::copy(mask.begin(), mask.end(), out.attributes_mask.begin());
    CLLM_ASSIGN_OR_RETURN(Bytes mr_signer, detail::hex_field(root, "mrsigner", 32, where));
    std::copy(mr_signer.begin(), mr_signer.end(), out.mr_signer.begin());
    CLLM_ASSIGN_OR_RETURN(out.isv_prod_id, detail::u16_field(root, "isvprodid", where));
    auto levels = root.find("tcbLevels");
    if (levels == root.end()) return field_error("tcbLevels", "missing");
    CLLM_ASSIGN_OR_RETURN(out.tcb_levels,
                          detail::parse_isv_tcb_levels(*levels, where + ".tcbLevels"));
    if (out.tcb_levels.empty()) return field_error("tcbLevels", "empty");
    return out;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kParse, std::string("enclaveIdentity: ") + e.what());
  }
}

}  // namespace cllm::tdx
