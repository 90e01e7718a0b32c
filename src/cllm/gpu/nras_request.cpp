#include "cllm/gpu/nras_request.hpp"

#include "cllm/common/base64.hpp"
#include "cllm/common/hex.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/printable.hpp"

namespace cllm::gpu {

namespace {

// Phala builds the body with Python dicts, whose keys keep insertion order; ordered_json keeps
// ours the same, so our payload reads like theirs.
using OrderedJson = nlohmann::ordered_json;

std::string item_where(std::size_t i) {
  return "evidence_list[" + std::to_string(i) + "]";
}

Result<Bytes> parse_nonce(const Json& object, std::string_view where) {
  auto text = json_string(object, "nonce");
  if (!text) return std::move(text).error().context(where);
  if (text->size() != 2 * kNrasNonceSize) {
    return make_error(ErrorCode::kParse, std::string(where) + ": nonce is not 64 hex digits");
  }
  auto nonce = from_hex(*text);
  if (!nonce) return std::move(nonce).error().context(std::string(where) + ": nonce");
  return nonce;
}

Result<GpuArch> parse_arch(const Json& object, std::string_view where) {
  auto text = json_string(object, "arch");
  if (!text) return std::move(text).error().context(where);
  auto arch = parse_gpu_arch(*text);
  if (!arch) {
    return make_error(ErrorCode::kUnsupported,
                      std::string(where) + ": unknown arch '" + printable_ascii(*text, 32) + "'");
  }
  return *arch;
}

Result<Bytes> parse_base64_field(const Json& object, std::string_view key, std::string_view where) {
  auto text = json_string(object, key);
  if (!text) return std::move(text).error().context(where);
  if (text->size() > kMaxNrasItemBytes / 3 * 4 + 4) {
    return make_error(ErrorCode::kLimit, std::string(where) + ": " + std::string(key) +
                                             " exceeds " + std::to_string(kMaxNrasItemBytes) +
                                             " bytes");
  }
  auto bytes = base64_decode(*text);
  if (!bytes) return std::move(bytes).error().context(std::string(where) + ": " + std::string(key));
  if (bytes->empty()) {
    return make_error(ErrorCode::kParse,
                      std::string(where) + ": " + std::string(key) + " is empty");
  }
  return bytes;
}

Result<GpuEvidence> parse_item_evidence(const Json& item, GpuArch arch, std::string_view where) {
  GpuEvidence evidence;
  evidence.arch = arch;
  CLLM_ASSIGN_OR_RETURN(evidence.report, parse_base64_field(item, "evidence", where));
  CLLM_ASSIGN_OR_RETURN(Bytes pem, parse_base64_field(item, "certificate", where));
  evidence.certificate_chain = to_string(pem);
  return evidence;
}

Result<Json> parse_document(std::string_view json_text, std::string_view what) {
  if (json_text.size() > kMaxNrasRequestSize) {
    return make_error(ErrorCode::kLimit, std::string(what) + ": exceeds " +
                                             std::to_string(kMaxNrasRequestSize) + " bytes");
  }
  auto doc = parse_json(json_text, 8);
  if (!doc) return std::move(doc).error().context(what);
  return doc;
}

bool valid_claims_version(std::string_view v) {
  // "<digits>.<digits>", short: NRAS knows 2.0, 3.0 and 4.0.
  const std::size_t dot = v.find('.');
  if (v.size() > 8 || dot == 0 || dot == std::string_view::npos || dot + 1 == v.size()) {
    return false;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i != dot && (v[i] < '0' || v[i] > '9')) return false;
  }
  return true;
}

}  // namespace

Result<std::string> build_nras_request(ByteView nonce, const GpuEvidenceList& evidence,
                                       GpuArch arch,
                                       std::optional<std::string_view> claims_version) {
  if (nonce.size() != kNrasNonceSize) {
    return make_error(ErrorCode::kInvalidArgument, "nras request: nonce must be 32 bytes");
  }
  if (evidence.empty() || evidence.size() > kMaxNrasEvidenceItems) {
    return make_error(ErrorCode::kInvalidArgument, "nras request: evidence list must hold 1.." +
                                                       std::to_string(kMaxNrasEvidenceItems) +
                                                       " items");
  }
  if (claims_version && !valid_claims_version(*claims_version)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "nras request: claims_version must look like \"3.0\"");
  }
  const std::string arch_name(gpu_arch_name(arch));
  OrderedJson items = OrderedJson::array();
  for (std::size_t i = 0; i < evidence.size(); ++i) {
    const GpuEvidence& e = evidence[i];
    if (e.arch != arch) {
      return make_error(ErrorCode::kInvalidArgument, "nras request: " + item_where(i) + " is " +
                                                         std::string(gpu_arch_name(e.arch)) +
                                                         ", not " + arch_name);
    }
    if (e.report.empty() || e.certificate_chain.empty()) {
      return make_error(ErrorCode::kInvalidArgument,
                        "nras request: " + item_where(i) + " has no report or no certificates");
    }
    OrderedJson item;
    item["certificate"] = base64_encode(as_bytes(e.certificate_chain));
    item["evidence"] = base64_encode(e.report);
    item["arch"] = arch_name;
    items.push_back(std::move(item));
  }
  OrderedJson body;
  body["nonce"] = to_hex(nonce);
  body["evidence_list"] = std::move(items);
  body["arch"] = arch_name;
  if (claims_version) body["claims_version"] = std::string(*claims_version);
  // Every string is hex, base64 or one of our own names: ASCII, so dump() cannot throw.
  return body.dump();
}

Result<NrasRequest> parse_nras_request(std::string_view json_text) {
  CLLM_ASSIGN_OR_RETURN(Json doc, parse_document(json_text, "nras request"));
  if (!doc.is_object()) return make_error(ErrorCode::kParse, "nras request: not a JSON object");
  NrasRequest request;
  CLLM_ASSIGN_OR_RETURN(request.nonce, parse_nonce(doc, "nras request"));
  CLLM_ASSIGN_OR_RETURN(request.arch, parse_arch(doc, "nras request"));
  if (auto cv = doc.find("claims_version"); cv != doc.end()) {
    if (!cv->is_string() || !valid_claims_version(cv->get_ref<const std::string&>())) {
      return make_error(ErrorCode::kParse, "nras request: claims_version is not like \"3.0\"");
    }
    request.claims_version = cv->get<std::string>();
  }
  auto list = json_field(doc, "evidence_list");
  if (!list) return std::move(list).error().context("nras request");
  const Json& items = **list;
  if (!items.is_array() || items.empty() || items.size() > kMaxNrasEvidenceItems) {
    return make_error(ErrorCode::kParse, "nras request: evidence_list must be an array of 1.." +
                                             std::to_string(kMaxNrasEvidenceItems) + " items");
  }
  for (std::size_t i = 0; i < items.size(); ++i) {
    const Json& item = items[i];
    const std::string where = "nras request: " + item_where(i);
    if (!item.is_object()) return make_error(ErrorCode::kParse, where + " is not an object");
    GpuArch arch = request.arch;
    if (item.contains("arch")) {
      CLLM_ASSIGN_OR_RETURN(arch, parse_arch(item, where));
    }
    if (item.contains("nonce")) {
      CLLM_ASSIGN_OR_RETURN(Bytes nonce, parse_nonce(item, where));
      if (nonce != request.nonce) {
        return make_error(ErrorCode::kParse, where + ": nonce differs from the request nonce");
      }
    }
    CLLM_ASSIGN_OR_RETURN(GpuEvidence evidence, parse_item_evidence(item, arch, where));
    request.evidence.push_back(std::move(evidence));
  }
  return request;
}

Result<std::vector<SerializedEvidence>> parse_nvat_evidence_json(std::string_view json_text) {
  CLLM_ASSIGN_OR_RETURN(Json doc, parse_document(json_text, "nvat evidence"));
  if (!doc.is_array() || doc.empty() || doc.size() > kMaxNrasEvidenceItems) {
    return make_error(ErrorCode::kParse, "nvat evidence: not an array of 1.." +
                                             std::to_string(kMaxNrasEvidenceItems) + " items");
  }
  std::vector<SerializedEvidence> out;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const Json& item = doc[i];
    const std::string where = "nvat evidence[" + std::to_string(i) + "]";
    if (!item.is_object()) return make_error(ErrorCode::kParse, where + " is not an object");
    SerializedEvidence entry;
    CLLM_ASSIGN_OR_RETURN(GpuArch arch, parse_arch(item, where));
    CLLM_ASSIGN_OR_RETURN(entry.nonce, parse_nonce(item, where));
    CLLM_ASSIGN_OR_RETURN(entry.evidence, parse_item_evidence(item, arch, where));
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace cllm::gpu
