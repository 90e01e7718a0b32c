// Intel QE Identity v2 (../shared/research/dcap-tdx.md §3.3), parsed from the exact signed
// text of the `enclaveIdentity` object: "TD_QE" for TDX quotes, "QE" for SGX quotes.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "cllm/common/result.hpp"
#include "cllm/tdx/tcb_info.hpp"

namespace cllm::tdx {

enum class QeIdentityId { kQe, kTdQe };

struct QeIdentity {
  QeIdentityId id = QeIdentityId::kTdQe;
  int version = 2;
  std::int64_t issue_date = 0;   // unix seconds
  std::int64_t next_update = 0;  // unix seconds
  std::optional<std::int64_t> tcb_evaluation_data_number;
  std::uint32_t miscselect = 0;  // the hex names the report bytes: read little-endian
  std::uint32_t miscselect_mask = 0;
  std::array<std::uint8_t, 16> attributes{};
  std::array<std::uint8_t, 16> attributes_mask{};
  std::array<std::uint8_t, 32> mr_signer{};
  std::uint16_t isv_prod_id = 0;
  std::vector<IsvTcbLevel> tcb_levels;  // sorted by isv_svn, highest first
};

// Parses the text of the `enclaveIdentity` object; version 2 (and 3, which dcap-qvl accepts
// for TD_QE) only. Errors name the field.
Result<QeIdentity> parse_qe_identity(std::string_view text);

}  // namespace cllm::tdx
