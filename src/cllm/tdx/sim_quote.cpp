#include "cllm/tdx/sim_quote.hpp"

#include <algorithm>
#include <string>

#include "cllm/crypto/hash.hpp"
#include "cllm/tdx/sim_boot.hpp"

namespace cllm::tdx {

namespace {

constexpr std::size_t kQeAuthDataSize = 32;

template <std::size_t N>
Result<std::array<std::uint8_t, N>> to_array(Result<Bytes> bytes, std::string_view what) {
  if (!bytes.ok()) return std::move(bytes).error();
  if (bytes->size() != N) {
    return make_error(ErrorCode::kInternal, "sim quote: " + std::string(what) + " has size " +
                                                std::to_string(bytes->size()));
  }
  std::array<std::uint8_t, N> out{};
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return out;
}

// The QE-ID in the header's user_data: a stable per-platform value (Intel's QE derives it
// from the platform too), followed by 4 zero bytes.
Result<std::array<std::uint8_t, 20>> qe_id_user_data(const SimPlatform& platform) {
  Bytes preimage = to_bytes("cllm-sim/qe-id/v1");
  preimage.insert(preimage.end(), platform.ppid().begin(), platform.ppid().end());
  CLLM_ASSIGN_OR_RETURN(auto digest, to_array<32>(crypto::sha256(preimage), "QE-ID"));
  std::array<std::uint8_t, 20> out{};
  std::copy_n(digest.begin(), 16, out.begin());
  return out;
}

Result<EnclaveReport> make_qe_report(const SimPlatform& platform, ByteView attestation_key_xy,
                                     ByteView qe_auth_data) {
  EnclaveReport report;
  report.cpu_svn = platform.tcb().sgx_components;
  report.misc_select = kSimQeMiscSelect;
  report.attributes = kSimQeAttributes;
  CLLM_ASSIGN_OR_RETURN(report.mr_enclave, sim_qe_mr_enclave());
  CLLM_ASSIGN_OR_RETURN(report.mr_signer, sim_qe_mr_signer());
  report.isv_prod_id = kSimQeIsvProdId;
  report.isv_svn = kSimQeIsvSvn;
  CLLM_ASSIGN_OR_RETURN(auto binding,
                        to_array<32>(crypto::sha256(concat({attestation_key_xy, qe_auth_data})),
                                     "QE report binding"));
  std::copy(binding.begin(), binding.end(), report.report_data.begin());  // rest stays zero
  return report;
}

}  // namespace

Result<TdReport> make_sim_td_report(const SimPlatform& platform, const SimQuoteRequest& request) {
  CLLM_ASSIGN_OR_RETURN(SimBootMeasurements boot, sim_boot_measurements());
  TdReport report;
  report.tee_tcb_svn = platform.tcb().tee_tcb_svn;
  CLLM_ASSIGN_OR_RETURN(report.mr_seam, sim_mr_seam());
  // mr_signer_seam and seam_attributes stay zero: an Intel-signed module, as TDX_01 expects.
  TdAttributes attributes;
  attributes.debug = request.debug;
  attributes.sept_ve_disable = true;
  report.td_attributes = encode_td_attributes(attributes);
  report.xfam = kSimXfam;
  report.mr_td = boot.mr_td;
  report.mr_config_id = request.mr_config_id;
  report.mr_owner = request.mr_owner;
  report.mr_owner_config = request.mr_owner_config;
  report.rtmr[0] = boot.rtmr[0];
  report.rtmr[1] = boot.rtmr[1];
  report.rtmr[2] = boot.rtmr[2];
  report.rtmr[3] = request.rtmr3;
  report.report_data = request.report_data;
  if (request.td_report_15) {
    report.is_v15 = true;
    // No TD-preserving module update happened: the SVNs at launch are the current ones.
    report.tee_tcb_svn_2 = report.tee_tcb_svn;
    // mr_service_td stays zero: no service TD is bound.
  }
  return report;
}

Result<Bytes> make_sim_quote(const SimPlatform& platform, const SimQuoteRequest& request) {
  CLLM_ASSIGN_OR_RETURN(TdReport body, make_sim_td_report(platform, request));

  QuoteHeader header;
  header.version = request.td_report_15 ? 5 : 4;
  header.att_key_type = kAttestationKeyEcdsaP256;
  header.tee_type = kTeeTypeTdx;
  header.qe_vendor_id = kIntelQeVendorId;  // verifiers accept only this QE vendor id
  CLLM_ASSIGN_OR_RETURN(header.user_data, qe_id_user_data(platform));
  CLLM_ASSIGN_OR_RETURN(Bytes signed_region, serialize_signed_region(header, body));

  const crypto::EcdsaPrivateKey& attestation_key = platform.attestation_key();
  CLLM_ASSIGN_OR_RETURN(RawPublicKey key_xy,
                        to_array<64>(attestation_key.public_key().to_raw_xy(), "attestation key"));
  CLLM_ASSIGN_OR_RETURN(RawSignature quote_signature,
                        to_array<64>(attestation_key.sign(signed_region), "quote signature"));

  QeCertificationData certification;
  certification.qe_auth_data.resize(kQeAuthDataSize);
  for (std::size_t i = 0; i < kQeAuthDataSize; ++i) {
    certification.qe_auth_data[i] = static_cast<std::uint8_t>(i);  // as Intel's QE fills it
  }
  CLLM_ASSIGN_OR_RETURN(certification.qe_report,
                        make_qe_report(platform, key_xy, certification.qe_auth_data));
  certification.qe_report_raw = serialize_enclave_report(certification.qe_report);
  CLLM_ASSIGN_OR_RETURN(
      certification.qe_report_signature,
      to_array<64>(platform.pck_key().sign(certification.qe_report_raw), "QE report signature"));
  certification.cert_data_type = 5;
  const std::string chain = platform.pck_chain_pem();
  certification.cert_data.assign(chain.begin(), chain.end());
  certification.cert_data.push_back(0);  // Intel's chains end with a NUL byte

  return serialize_quote(signed_region, quote_signature, key_xy, certification);
}

}  // namespace cllm::tdx
