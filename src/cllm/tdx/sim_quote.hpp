// Simulated TDX quotes: byte-exact v4 (TD report 1.0) and v5 (TD report 1.5) quotes from a
// SimPlatform, signed the way a real platform signs them:
//   - the TD report: tee_tcb_svn from the platform's TCB variant (module TDX_01), mr_seam of
//     the simulated module, td_attributes with SEPT_VE_DISABLE (DEBUG only when asked), a
//     realistic xfam, MRTD / RTMR0..2 from sim_boot, RTMR3 as given, report_data as given;
//   - the QE report: the simulated TD_QE (matching the QE identity document, isvsvn at an
//     UpToDate level) with report_data = SHA-256(attestation key x||y || QE auth data) ||
//     32 zero bytes, signed by the PCK key;
//   - the quote: signed by the QE attestation key over header || [v5 descriptor] || body;
//   - certification data 6 wrapping 5: the PEM chain PCK leaf, PCK CA, root.
#pragma once

#include <array>
#include <cstdint>

#include "cllm/common/bytes.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/quote.hpp"
#include "cllm/tdx/sim_platform.hpp"

namespace cllm::tdx {

// XFAM 0x00000000000602E7: x87, SSE, AVX, AVX-512 (opmask, ZMM_Hi256, Hi16_ZMM), PK,
// AMX (XTILECFG, XTILEDATA); a common value on Sapphire Rapids TDs.
inline constexpr std::array<std::uint8_t, 8> kSimXfam = {0xE7, 0x02, 0x06, 0, 0, 0, 0, 0};

struct SimQuoteRequest {
  ReportData report_data{};
  Measurement rtmr3{};        // the runtime event log's replay
  bool td_report_15 = false;  // v5 quote with a TD report 1.5 body
  bool debug = false;         // set the DEBUG TD attribute
  Measurement mr_config_id{};
  Measurement mr_owner{};
  Measurement mr_owner_config{};
};

// The TD report body the simulated TDX module would produce (no signatures involved).
Result<TdReport> make_sim_td_report(const SimPlatform& platform, const SimQuoteRequest& request);

// A complete signed quote.
Result<Bytes> make_sim_quote(const SimPlatform& platform, const SimQuoteRequest& request);

}  // namespace cllm::tdx
