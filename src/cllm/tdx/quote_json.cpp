#include "cllm/tdx/quote_json.hpp"

#include <string_view>
#include <vector>

#include "cllm/common/hex.hpp"

namespace cllm::tdx {
namespace {

std::string_view cert_data_type_name(std::uint16_t type) {
  switch (type) {
    case 1:
      return "ppid_cleartext";
    case 2:
      return "ppid_rsa2048_oaep";
    case 3:
      return "ppid_rsa3072_oaep";
    case 4:
      return "pck_leaf_cert";
    case 5:
      return "pck_cert_chain";
    case 6:
      return "qe_report_cert_data";
    case 7:
      return "platform_manifest";
    default:
      return "unknown";
  }
}

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) {
  return to_hex(bytes);
}

Json td_attributes_json(const TdAttributes& a) {
  return Json{{"debug", a.debug},     {"sept_ve_disable", a.sept_ve_disable},
              {"pks", a.pks},         {"kl", a.kl},
              {"perfmon", a.perfmon}, {"reserved_bits_set", a.reserved_bits_set}};
}

Json enclave_report_json(const EnclaveReport& r) {
  return Json{{"cpu_svn", hex(r.cpu_svn)},
              {"misc_select", r.misc_select},
              {"isv_ext_prod_id", hex(r.isv_ext_prod_id)},
              {"attributes", hex(r.attributes)},
              {"debug", r.debug()},
              {"mr_enclave", hex(r.mr_enclave)},
              {"mr_signer", hex(r.mr_signer)},
              {"config_id", hex(r.config_id)},
              {"isv_prod_id", r.isv_prod_id},
              {"isv_svn", r.isv_svn},
              {"config_svn", r.config_svn},
              {"isv_family_id", hex(r.isv_family_id)},
              {"report_data", hex(r.report_data)}};
}

Json td_report_json(const TdReport& r) {
  Json j{{"tee_tcb_svn", hex(r.tee_tcb_svn)},
         {"mr_seam", hex(r.mr_seam)},
         {"mr_signer_seam", hex(r.mr_signer_seam)},
         {"seam_attributes", hex(r.seam_attributes)},
         {"td_attributes", hex(r.td_attributes)},
         {"td_attributes_decoded", td_attributes_json(decode_td_attributes(r.td_attributes))},
         {"xfam", hex(r.xfam)},
         {"mr_td", hex(r.mr_td)},
         {"mr_config_id", hex(r.mr_config_id)},
         {"mr_owner", hex(r.mr_owner)},
         {"mr_owner_config", hex(r.mr_owner_config)},
         {"report_data", hex(r.report_data)}};
  for (std::size_t i = 0; i < r.rtmr.size(); ++i) {
    j["rtmr" + std::to_string(i)] = hex(r.rtmr[i]);
  }
  if (r.is_v15) {
    j["tee_tcb_svn_2"] = hex(r.tee_tcb_svn_2);
    j["mr_service_td"] = hex(r.mr_service_td);
  }
  return j;
}

// ---------------------------------------------------------------------------------------
// Text

class TextBuilder {
 public:
  void section(std::string_view title) {
    out_ += title;
    out_ += '\n';
  }
  void line(std::string_view label, std::string_view value) {
    out_ += "  ";
    out_ += label;
    out_.append(label.size() < kLabelWidth ? kLabelWidth - label.size() : 1, ' ');
    out_ += value;
    out_ += '\n';
  }
  std::string take() { return std::move(out_); }

 private:
  static constexpr std::size_t kLabelWidth = 22;
  std::string out_;
};

std::string attribute_flags(const TdAttributes& a) {
  std::vector<std::string_view> names;
  if (a.debug) names.push_back("DEBUG");
  if (a.sept_ve_disable) names.push_back("SEPT_VE_DISABLE");
  if (a.pks) names.push_back("PKS");
  if (a.kl) names.push_back("KL");
  if (a.perfmon) names.push_back("PERFMON");
  if (a.reserved_bits_set) names.push_back("RESERVED BITS SET");
  if (names.empty()) return "(none)";
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

void enclave_report_text(TextBuilder& t, const EnclaveReport& r) {
  t.line("CPU SVN", hex(r.cpu_svn));
  t.line("MISCSELECT", std::to_string(r.misc_select));
  t.line("attributes", hex(r.attributes) + (r.debug() ? " (DEBUG)" : ""));
  t.line("MRENCLAVE", hex(r.mr_enclave));
  t.line("MRSIGNER", hex(r.mr_signer));
  t.line("ISV prod ID / SVN", std::to_string(r.isv_prod_id) + " / " + std::to_string(r.isv_svn));
  t.line("config SVN", std::to_string(r.config_svn));
  t.line("ISV ext prod ID", hex(r.isv_ext_prod_id));
  t.line("ISV family ID", hex(r.isv_family_id));
  t.line("config ID", hex(r.config_id));
  t.line("report data", hex(r.report_data));
}

void td_report_text(TextBuilder& t, const TdReport& r) {
  t.line("TEE TCB SVN", hex(r.tee_tcb_svn));
  if (r.is_v15) t.line("TEE TCB SVN 2", hex(r.tee_tcb_svn_2));
  t.line("MRSEAM", hex(r.mr_seam));
  t.line("MRSIGNERSEAM", hex(r.mr_signer_seam));
  t.line("SEAM attributes", hex(r.seam_attributes));
  t.line("TD attributes", hex(r.td_attributes) + " (" +
                              attribute_flags(decode_td_attributes(r.td_attributes)) + ")");
  t.line("XFAM", hex(r.xfam));
  t.line("MRTD", hex(r.mr_td));
  t.line("MRCONFIGID", hex(r.mr_config_id));
  t.line("MROWNER", hex(r.mr_owner));
  t.line("MROWNERCONFIG", hex(r.mr_owner_config));
  for (std::size_t i = 0; i < r.rtmr.size(); ++i) {
    t.line("RTMR" + std::to_string(i), hex(r.rtmr[i]));
  }
  if (r.is_v15) t.line("MRSERVICETD", hex(r.mr_service_td));
  t.line("report data", hex(r.report_data));
}

}  // namespace

Json quote_to_json(const Quote& quote) {
  const QuoteHeader& h = quote.header;
  Json j;
  j["schema"] = kQuoteJsonSchema;
  j["version"] = h.version;
  j["tee_type"] = quote.is_tdx() ? "TDX" : "SGX";
  j["body_type"] = std::string(body_type_name(quote.body_type));
  j["body_type_code"] = static_cast<std::uint16_t>(quote.body_type);
  j["size"] = quote.raw.size();
  j["signed_region_size"] = quote.signed_region_size;
  j["header"] = Json{{"version", h.version},
                     {"att_key_type", h.att_key_type},
                     {"tee_type", h.tee_type},
                     {"qe_svn", h.qe_svn},
                     {"pce_svn", h.pce_svn},
                     {"qe_vendor_id", hex(h.qe_vendor_id)},
                     {"qe_vendor_is_intel", h.qe_vendor_id == kIntelQeVendorId},
                     {"user_data", hex(h.user_data)}};
  if (const TdReport* td = quote.td_report()) j["td_report"] = td_report_json(*td);
  if (const EnclaveReport* er = quote.enclave_report()) {
    j["enclave_report"] = enclave_report_json(*er);
  }
  const QeCertificationData& c = quote.certification;
  j["signature"] = hex(quote.signature);
  j["attestation_key"] = hex(quote.attestation_key);
  j["qe_report"] = enclave_report_json(c.qe_report);
  j["qe_report_signature"] = hex(c.qe_report_signature);
  j["qe_auth_data"] = to_hex(c.qe_auth_data);
  j["certification_data"] = Json{{"type", c.cert_data_type},
                                 {"type_name", std::string(cert_data_type_name(c.cert_data_type))},
                                 {"size", c.cert_data.size()}};
  return j;
}

std::string quote_to_text(const Quote& quote) {
  const QuoteHeader& h = quote.header;
  TextBuilder t;
  t.section("DCAP quote v" + std::to_string(h.version) + " (" + (quote.is_tdx() ? "TDX" : "SGX") +
            ", " + std::string(body_type_name(quote.body_type)) + "), " +
            std::to_string(quote.raw.size()) + " bytes, signed region " +
            std::to_string(quote.signed_region_size) + " bytes");
  t.section("Header");
  t.line("attestation key type",
         std::to_string(h.att_key_type) + (h.att_key_type == 2 ? " (ECDSA P-256)" : ""));
  t.line("QE SVN / PCE SVN", std::to_string(h.qe_svn) + " / " + std::to_string(h.pce_svn));
  t.line("QE vendor ID",
         hex(h.qe_vendor_id) + (h.qe_vendor_id == kIntelQeVendorId ? " (Intel)" : " (NOT Intel)"));
  t.line("user data", hex(h.user_data));
  if (const TdReport* td = quote.td_report()) {
    t.section("TD report");
    td_report_text(t, *td);
  }
  if (const EnclaveReport* er = quote.enclave_report()) {
    t.section("Enclave report");
    enclave_report_text(t, *er);
  }
  const QeCertificationData& c = quote.certification;
  t.section("QE report");
  enclave_report_text(t, c.qe_report);
  t.section("Signature data");
  t.line("quote signature", hex(quote.signature));
  t.line("attestation key", hex(quote.attestation_key));
  t.line("QE report signature", hex(c.qe_report_signature));
  t.line("QE auth data", std::to_string(c.qe_auth_data.size()) + " bytes" +
                             (c.qe_auth_data.empty() ? "" : ": " + to_hex(c.qe_auth_data)));
  t.line("certification data", "type " + std::to_string(c.cert_data_type) + " (" +
                                   std::string(cert_data_type_name(c.cert_data_type)) + "), " +
                                   std::to_string(c.cert_data.size()) + " bytes");
  return t.take();
}

}  // namespace cllm::tdx
