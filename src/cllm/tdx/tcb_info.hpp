// Intel TCB Info (TDX v3; SGX v2 and v3), parsed from the exact signed JSON text of the
// `tcbInfo` object (../shared/research/dcap-tdx.md §3.2). The signature is checked by the
// verifier over that same text; this parser only builds the model and validates its shape.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cllm/common/bytes.hpp"
#include "cllm/common/json.hpp"
#include "cllm/common/result.hpp"
#include "cllm/tdx/tcb_status.hpp"

namespace cllm::tdx {

// Bound on a TCB info / QE identity text: real ones are 2-9 KB.
inline constexpr std::size_t kMaxCollateralJsonSize = 256 * 1024;
// Bound on the number of levels / module identities / advisories, per list.
inline constexpr std::size_t kMaxTcbListSize = 1024;

using TcbComponents = std::array<std::uint16_t, 16>;

// A level keyed by one ISV SVN: QE identity levels and TDX module identity levels.
struct IsvTcbLevel {
  std::uint16_t isv_svn = 0;
  std::string tcb_date;  // RFC 3339 text, as signed
  TcbStatus status = TcbStatus::kRevoked;
  std::vector<std::string> advisory_ids;
};

// A platform level of the TCB info.
struct TcbLevel {
  TcbComponents sgx_components{};
  std::uint16_t pce_svn = 0;
  // Absent in SGX documents; QVL treats a missing list as matching every TD.
  std::optional<TcbComponents> tdx_components;
  std::string tcb_date;
  TcbStatus status = TcbStatus::kRevoked;
  std::vector<std::string> advisory_ids;
};

struct TdxModuleIdentity {
  std::string id;   // "TDX_01", ... (the default `tdxModule` has an empty id)
  Bytes mr_signer;  // 48 bytes
  std::array<std::uint8_t, 8> attributes{};
  std::array<std::uint8_t, 8> attributes_mask{};
  std::vector<IsvTcbLevel> tcb_levels;  // sorted by isv_svn, highest first
};

enum class TcbInfoId { kSgx, kTdx };

struct TcbInfo {
  TcbInfoId id = TcbInfoId::kTdx;  // a v2 document (no `id`) is SGX
  int version = 0;
  std::int64_t issue_date = 0;   // unix seconds
  std::int64_t next_update = 0;  // unix seconds
  std::array<std::uint8_t, 6> fmspc{};
  std::array<std::uint8_t, 2> pce_id{};
  std::optional<std::int64_t> tcb_evaluation_data_number;
  std::optional<TdxModuleIdentity> tdx_module;  // TDX only
  std::vector<TdxModuleIdentity> tdx_module_identities;
  // Sorted as QVL orders them (§2 step 11): descending by SGX components
  // (lexicographically), then PCE SVN, then TDX components. Ties keep document order.
  std::vector<TcbLevel> tcb_levels;

  // The identity whose id equals `id` ignoring case, or nullptr.
  const TdxModuleIdentity* module_identity(std::string_view id) const;
};

// Parses the text of the `tcbInfo` object. Errors name the field ("tcbInfo.tcbLevels[3].tcb
// .sgxtcbcomponents: expected 16 entries, got 15").
Result<TcbInfo> parse_tcb_info(std::string_view text);

// RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)" -> unix seconds.
Result<std::int64_t> parse_rfc3339(std::string_view text);

namespace detail {
// Helpers shared with the QE identity parser. `where` prefixes the error messages.
Result<std::vector<IsvTcbLevel>> parse_isv_tcb_levels(const Json& list, const std::string& where);
Result<Bytes> hex_field(const Json& object, std::string_view key, std::size_t size,
                        const std::string& where);
Result<std::uint16_t> u16_field(const Json& object, std::string_view key, const std::string& where);
Result<std::int64_t> date_field(const Json& object, std::string_view key, const std::string& where);
}  // namespace detail

}  // namespace cllm::tdx
