// The simulator's TCB model: the fixed TCB levels its TCB info lists, the TDX module and
// TD quoting enclave identities, and where a simulated platform of each TCB variant sits
// in them. The signed documents (TCB info v3 "TDX", QE identity v2 "TD_QE") copy the shape
// and member order of Intel's PCS responses (dcap-tdx.md §3.2/§3.3) and are serialized
// compactly, so that the verifier checks the exact bytes that were signed.
//
// Levels (TCB info, newest first; sgx = the 16 SGX components, tdx = the 16 TDX ones):
//   UpToDate  2024-11-13  sgx 3,3,2,2,3,1,0,3,0..  pcesvn 13  tdx 4,0,3,0..
//   OutOfDate 2023-08-09  sgx 2,2,2,2,2,1,0,2,0..  pcesvn 11  tdx 2,0,2,0..  CLLM-SIM-SA-00001
//   Revoked   2018-01-04  sgx 1,1,1,1,1,1,0,1,0..  pcesvn 5   tdx 1,0,1,0..  CLLM-SIM-SA-00001,2
// A platform of variant V carries exactly V's level as its PCK TCB (components, PCESVN,
// CPUSVN) and tee_tcb_svn = {module isvsvn, 1 (module major: TDX_01), tdx[2], 0...}.
// TDX_01 module levels: isvsvn 4 UpToDate, 2 OutOfDate, 0 Revoked; TDX_03: 3 UpToDate.
// TD_QE levels: isvsvn 4 UpToDate, 2 OutOfDate, 0 Revoked; the simulated QE has isvsvn 4.
// Advisory IDs are "CLLM-SIM-SA-*": made up, never Intel's.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/quote.hpp"

namespace cllm::tdx {

enum class SimTcbVariant { kUpToDate, kOutOfDate, kRevoked };

// "UpToDate", "OutOfDate", "Revoked" (the tcbStatus of the platform's level).
std::string_view to_string(SimTcbVariant variant);
std::optional<SimTcbVariant> sim_tcb_variant_from_string(std::string_view text);

// What a platform of a variant carries.
struct SimPlatformTcb {
  std::array<std::uint8_t, 16> sgx_components{};  // PCK cert .2.1-.2.16 and CPUSVN
  std::uint16_t pce_svn = 0;
  std::array<std::uint8_t, 16> tee_tcb_svn{};
};
SimPlatformTcb sim_platform_tcb(SimTcbVariant variant);

// The TDX module the simulated TD runs on (TDX_01 identity, Intel-style zero signer).
inline constexpr std::uint8_t kSimTdxModuleMajorVersion = 1;
// SHA-384("cllm-sim/tdx-module/mrseam/v1").
Result<Measurement> sim_mr_seam();

// The simulated TD quoting enclave (matches the QE identity document).
inline constexpr std::uint16_t kSimQeIsvProdId = 2;
inline constexpr std::uint16_t kSimQeIsvSvn = 4;
inline constexpr std::uint32_t kSimQeMiscSelect = 0;
// flags 0x11 (INIT | MODE64BIT), xfrm 0xE7; the identity masks the flags only.
inline constexpr std::array<std::uint8_t, 16> kSimQeAttributes = {0x11, 0, 0, 0, 0, 0, 0, 0,
                                                                  0xE7, 0, 0, 0, 0, 0, 0, 0};
// SHA-256("cllm-sim/td-qe/mrsigner/v1") and SHA-256("cllm-sim/td-qe/mrenclave/v1").
Result<std::array<std::uint8_t, 32>> sim_qe_mr_signer();
Result<std::array<std::uint8_t, 32>> sim_qe_mr_enclave();

// The TCB evaluation data number the documents carry.
inline constexpr int kSimTcbEvaluationDataNumber = 17;

// The signed inner objects, compact, in PCS member order. Times are unix seconds.
Result<std::string> sim_tcb_info_json(const std::array<std::uint8_t, 6>& fmspc,
                                      const std::array<std::uint8_t, 2>& pce_id,
                                      std::int64_t issue_date, std::int64_t next_update);
Result<std::string> sim_qe_identity_json(std::int64_t issue_date, std::int64_t next_update);

// "2025-09-02T07:41:59Z".
std::string rfc3339_utc(std::int64_t unix_seconds);

}  // namespace cllm::tdx
