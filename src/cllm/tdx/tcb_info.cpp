#include "cllm/tdx/tcb_info.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "cllm/common/hex.hpp"

namespace cllm::tdx {
namespace {

Error field_error(const std::string& where, std::string_view key, std::string_view what) {
  return make_error(ErrorCode::kParse, where + "." + std::string(key) + ": " + std::string(what));
}

Result<const Json*> required(const Json& object, std::string_view key, const std::string& where) {
  if (!object.is_object()) return make_error(ErrorCode::kParse, where + ": expected an object");
  auto it = object.find(key);
  if (it == object.end()) return field_error(where, key, "missing");
  return &*it;
}

Result<const Json*> required_array(const Json& object, std::string_view key,
                                   const std::string& where) {
  CLLM_ASSIGN_OR_RETURN(const Json* v, required(object, key, where));
  if (!v->is_array()) return field_error(where, key, "expected an array");
  if (v->size() > kMaxTcbListSize) return field_error(where, key, "too many entries");
  return v;
}

Result<std::string> string_field(const Json& object, std::string_view key,
                                 const std::string& where) {
  CLLM_ASSIGN_OR_RETURN(const Json* v, required(object, key, where));
  if (!v->is_string()) return field_error(where, key, "expected a string");
  return v->get<std::string>();
}

Result<std::int64_t> int_field(const Json& object, std::string_view key, const std::string& where) {
  CLLM_ASSIGN_OR_RETURN(const Json* v, required(object, key, where));
  if (!v->is_number_integer()) return field_error(where, key, "expected an integer");
  if (v->is_number_unsigned()) {
    auto u = v->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(INT64_MAX)) return field_error(where, key, "too large");
    return static_cast<std::int64_t>(u);
  }
  return v->get<std::int64_t>();
}

Result<std::vector<std::string>> advisory_ids(const Json& level, const std::string& where) {
  std::vector<std::string> ids;
  auto it = level.find("advisoryIDs");
  if (it == level.end()) return ids;
  if (!it->is_array()) return field_error(where, "advisoryIDs", "expected an array");
  if (it->size() > kMaxTcbListSize) return field_error(where, "advisoryIDs", "too many entries");
  for (const auto& id : *it) {
    if (!id.is_string()) return field_error(where, "advisoryIDs", "expected strings");
    ids.push_back(id.get<std::string>());
  }
  return ids;
}

Result<TcbComponents> component_list(const Json& tcb, std::string_view key,
                                     const std::string& where) {
  CLLM_ASSIGN_OR_RETURN(const Json* list, required_array(tcb, key, where));
  // Exactly 16: a shorter list would silently compare fewer components (dcap-qvl#164).
  if (list->size() != 16) {
    return field_error(where, key, "expected 16 entries, got " + std::to_string(list->size()));
  }
  TcbComponents out{};
  for (std::size_t i = 0; i < 16; ++i) {
    CLLM_ASSIGN_OR_RETURN(
        out[i], detail::u16_field((*list)[i], "svn",
                                  where + "." + std::string(key) + "[" + std::to_string(i) + "]"));
  }
  return out;
}

// SGX TCB info v2 spells the components as sgxtcbcomp01svn..sgxtcbcomp16svn.
Result<TcbComponents> legacy_components(const Json& tcb, const std::string& where) {
  TcbComponents out{};
  for (std::size_t i = 0; i < 16; ++i) {
    char key[32];
    std::snprintf(key, sizeof key, "sgxtcbcomp%02zusvn", i + 1);
    CLLM_ASSIGN_OR_RETURN(out[i], detail::u16_field(tcb, key, where));
  }
  return out;
}

Result<TcbLevel> parse_level(const Json& level, int version, TcbInfoId id,
                             const std::string& where) {
  TcbLevel out;
  CLLM_ASSIGN_OR_RETURN(const Json* tcb, required(level, "tcb", where));
  const std::string tcb_where = where + ".tcb";
  if (!tcb->is_object()) return field_error(where, "tcb", "expected an object");
  if (version >= 3) {
    CLLM_ASSIGN_OR_RETURN(out.sgx_components, component_list(*tcb, "sgxtcbcomponents", tcb_where));
    if (id == TcbInfoId::kTdx) {
      if (tcb->contains("tdxtcbcomponents")) {
        CLLM_ASSIGN_OR_RETURN(out.tdx_components,
                              component_list(*tcb, "tdxtcbcomponents", tcb_where));
      }
    }
  } else {
    CLLM_ASSIGN_OR_RETURN(out.sgx_components, legacy_components(*tcb, tcb_where));
  }
  CLLM_ASSIGN_OR_RETURN(out.pce_svn, detail::u16_field(*tcb, "pcesvn", tcb_where));
  CLLM_ASSIGN_OR_RETURN(out.tcb_date, string_field(level, "tcbDate", where));
  CLLM_TRY(parse_rfc3339(out.tcb_date));
  CLLM_ASSIGN_OR_RETURN(std::string status, string_field(level, "tcbStatus", where));
  auto parsed = parse_tcb_status(status);
  if (!parsed.ok()) return field_error(where, "tcbStatus", parsed.error().message());
  out.status = *parsed;
  CLLM_ASSIGN_OR_RETURN(out.advisory_ids, advisory_ids(level, where));
  return out;
}

Result<TdxModuleIdentity> parse_module(const Json& module, bool with_levels,
                                       const std::string& where) {
  if (!module.is_object()) return make_error(ErrorCode::kParse, where + ": expected an object");
  TdxModuleIdentity out;
  if (with_levels) {
    CLLM_ASSIGN_OR_RETURN(out.id, string_field(module, "id", where));
  }
  CLLM_ASSIGN_OR_RETURN(out.mr_signer, detail::hex_field(module, "mrsigner", 48, where));
  CLLM_ASSIGN_OR_RETURN(Bytes attributes, detail::hex_field(module, "attributes", 8, where));
  CLLM_ASSIGN_OR_RETURN(Bytes mask, detail::hex_field(module, "attributesMask", 8, where));
  std::copy(attributes.begin(), attributes.end(), out.attributes.begin());
  std::copy(mask.begin(), mask.end(), out.attributes_mask.begin());
  if (with_levels) {
    CLLM_ASSIGN_OR_RETURN(const Json* levels, required_array(module, "tcbLevels", where));
    CLLM_ASSIGN_OR_RETURN(out.tcb_levels,
                          detail::parse_isv_tcb_levels(*levels, where + ".tcbLevels"));
  }
  return out;
}

// QVL's order (a std::set with a descending comparator); dcap-qvl#126 copies it.
bool level_before(const TcbLevel& a, const TcbLevel& b) {
  if (a.sgx_components != b.sgx_components) return a.sgx_components > b.sgx_components;
  if (a.pce_svn != b.pce_svn) return a.pce_svn > b.pce_svn;
  static const TcbComponents kZero{};
  const TcbComponents& ta = a.tdx_components ? *a.tdx_components : kZero;
  const TcbComponents& tb = b.tdx_components ? *b.tdx_components : kZero;
  return ta > tb;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<std::int64_t>(era) * 146097 + doe - 719468;
}

}  // namespace

namespace detail {

Result<Bytes> hex_field(const Json& object, std::string_view key, std::size_t size,
                        const std::string& where) {
  CLLM_ASSIGN_OR_RETURN(std::string text, string_field(object, key, where));
  auto bytes = from_hex(text);
  if (!bytes.ok()) return field_error(where, key, "not hex");
  if (bytes->size() != size) {
    return field_error(
        where, key,
        "expected " + std::to_string(size) + " bytes, got " + std::to_string(bytes->size()));
  }
  return std::move(bytes).value();
}

Result<std::uint16_t> u16_field(const Json& object, std::string_view key,
                                const std::string& where) {
  CLLM_ASSIGN_OR_RETURN(std::int64_t v, int_field(object, key, where));
  if (v < 0 || v > 0xffff) return field_error(where, key, "out of range 0..65535");
  return static_cast<std::uint16_t>(v);
}

Result<std::int64_t> date_field(const Json& object, std::string_view key,
                                const std::string& where) {
  CLLM_ASSIGN_OR_RETURN(std::string text, string_field(object, key, where));
  auto t = parse_rfc3339(text);
  if (!t.ok()) return field_error(where, key, t.error().message());
  return *t;
}

Result<std::vector<IsvTcbLevel>> parse_isv_tcb_levels(const Json& list, const std::string& where) {
  if (!list.is_array()) return make_error(ErrorCode::kParse, where + ": expected an array");
  if (list.size() > kMaxTcbListSize) return make_error(ErrorCode::kLimit, where + ": too many");
  std::vector<IsvTcbLevel> out;
  out.reserve(list.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    const std::string at = where + "[" + std::to_string(i) + "]";
    const Json& level = list[i];
    IsvTcbLevel parsed;
    CLLM_ASSIGN_OR_RETURN(const Json* tcb, required(level, "tcb", at));
    CLLM_ASSIGN_OR_RETURN(parsed.isv_svn, u16_field(*tcb, "isvsvn", at + ".tcb"));
    CLLM_ASSIGN_OR_RETURN(parsed.tcb_date, string_field(level, "tcbDate", at));
    CLLM_TRY(parse_rfc3339(parsed.tcb_date));
    CLLM_ASSIGN_OR_RETURN(std::string status, string_field(level, "tcbStatus", at));
    auto st = parse_tcb_status(status);
    if (!st.ok()) return field_error(at, "tcbStatus", st.error().message());
    parsed.status = *st;
    CLLM_ASSIGN_OR_RETURN(parsed.advisory_ids, advisory_ids(level, at));
    out.push_back(std::move(parsed));
  }
  // Highest ISV SVN first, so "the first level with isvsvn <= actual" is the match.
  std::stable_sort(out.begin(), out.end(), [](const IsvTcbLevel& a, const IsvTcbLevel& b) {
    return a.isv_svn > b.isv_svn;
  });
  return out;
}

}  // namespace detail

Result<std::int64_t> parse_rfc3339(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (s.size() < 20 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return make_error(ErrorCode::kParse, "not an RFC 3339 date-time");
  }
  static constexpr int kDaysInMonth[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDaysInMonth[month - 1] || hour > 23 ||
      minute > 59 || second > 60) {
    return make_error(ErrorCode::kParse, "RFC 3339 date-time out of range");
  }
  std::size_t pos = 19;
  if (s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
    if (pos == start || pos - start > 9) return make_error(ErrorCode::kParse, "bad fraction");
  }
  std::int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || oh > 23 || om > 59) {
      return make_error(ErrorCode::kParse, "bad RFC 3339 offset");
    }
    offset = (oh * 3600 + om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return make_error(ErrorCode::kParse, "RFC 3339 date-time without a time zone");
  }
  if (pos != s.size()) return make_error(ErrorCode::kParse, "trailing text after date-time");
  const std::int64_t days = days_from_civil(year, month, day);
  return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

const TdxModuleIdentity* TcbInfo::module_identity(std::string_view wanted) const {
  for (const auto& identity : tdx_module_identities) {
    if (identity.id.size() != wanted.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < wanted.size() && same; ++i) {
      same = std::tolower(static_cast<unsigned char>(identity.id[i])) ==
             std::tolower(static_cast<unsigned char>(wanted[i]));
    }
    if (same) return &identity;
  }
  return nullptr;
}

Result<TcbInfo> parse_tcb_info(std::string_view text) {
  if (text.size() > kMaxCollateralJsonSize) {
    return make_error(ErrorCode::kLimit, "tcbInfo: text larger than " +
                                             std::to_string(kMaxCollateralJsonSize) + " bytes");
  }
  auto parsed = parse_json(text, 16);
  if (!parsed.ok()) return std::move(parsed).error().context("tcbInfo");
  const Json& root = *parsed;
  const std::string where = "tcbInfo";
  if (!root.is_object()) return make_error(ErrorCode::kParse, "tcbInfo: expected an object");
  try {
    TcbInfo info;
    CLLM_ASSIGN_OR_RETURN(std::int64_t version, int_field(root, "version", where));
    if (version != 2 && version != 3) {
      return field_error(where, "version", "unsupported version " + std::to_string(version));
    }
    info.version = static_cast<int>(version);
    if (root.contains("id")) {
      CLLM_ASSIGN_OR_RETURN(std::string id, string_field(root, "id", where));
      if (id == "TDX") {
        info.id = TcbInfoId::kTdx;
      } else if (id == "SGX") {
        info.id = TcbInfoId::kSgx;
      } else {
        return field_error(where, "id", "expected \"TDX\" or \"SGX\"");
      }
    } else if (info.version == 2) {
      info.id = TcbInfoId::kSgx;
    } else {
      return field_error(where, "id", "missing (required in version 3)");
    }
    if (info.id == TcbInfoId::kTdx && info.version != 3) {
      return field_error(where, "version", "a TDX TCB info must be version 3");
    }
    CLLM_ASSIGN_OR_RETURN(info.issue_date, detail::date_field(root, "issueDate", where));
    CLLM_ASSIGN_OR_RETURN(info.next_update, detail::date_field(root, "nextUpdate", where));
    CLLM_ASSIGN_OR_RETURN(Bytes fmspc, detail::hex_field(root, "fmspc", 6, where));
    std::copy(fmspc.begin(), fmspc.end(), info.fmspc.begin());
    CLLM_ASSIGN_OR_RETURN(Bytes pce_id, detail::hex_field(root, "pceId", 2, where));
    std::copy(pce_id.begin(), pce_id.end(), info.pce_id.begin());
    if (root.contains("tcbEvaluationDataNumber")) {
      CLLM_ASSIGN_OR_RETURN(info.tcb_evaluation_data_number,
                            int_field(root, "tcbEvaluationDataNumber", where));
    }
    if (info.id == TcbInfoId::kTdx) {
      CLLM_ASSIGN_OR_RETURN(const Json* module, required(root, "tdxModule", where));
      CLLM_ASSIGN_OR_RETURN(info.tdx_module, parse_module(*module, false, where + ".tdxModule"));
      if (root.contains("tdxModuleIdentities")) {
        CLLM_ASSIGN_OR_RETURN(const Json* list, required_array(root, "tdxModuleIdentities", where));
        for (std::size_t i = 0; i < list->size(); ++i) {
          CLLM_ASSIGN_OR_RETURN(
              TdxModuleIdentity identity,
              parse_module((*list)[i], true,
                           where + ".tdxModuleIdentities[" + std::to_string(i) + "]"));
          info.tdx_module_identities.push_back(std::move(identity));
        }
      }
    }
    CLLM_ASSIGN_OR_RETURN(const Json* levels, required_array(root, "tcbLevels", where));
    if (levels->empty()) return field_error(where, "tcbLevels", "empty");
    for (std::size_t i = 0; i < levels->size(); ++i) {
      CLLM_ASSIGN_OR_RETURN(TcbLevel level,
                            parse_level((*levels)[i], info.version, info.id,
                                        where + ".tcbLevels[" + std::to_string(i) + "]"));
      info.tcb_levels.push_back(std::move(level));
    }
    std::stable_sort(info.tcb_levels.begin(), info.tcb_levels.end(), level_before);
    return info;
  } catch (const std::exception& e) {
    return make_error(ErrorCode::kParse, std::string("tcbInfo: ") + e.what());
  }
}

}  // namespace cllm::tdx
