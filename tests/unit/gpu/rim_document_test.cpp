#include "cllm/gpu/rim_document.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cllm/common/file.hpp"
#include "cllm/common/hex.hpp"
#include "support/test_paths.hpp"

namespace cllm::gpu {
namespace {

std::vector<std::uint32_t> active_indices(const RimDocument& rim) {
  std::vector<std::uint32_t> out;
  for (const auto& m : rim.measurements) {
    if (m.active) out.push_back(m.index);
  }
  return out;
}

std::vector<std::uint32_t> range(std::uint32_t from, std::uint32_t to) {
  std::vector<std::uint32_t> out;
  for (auto i = from; i <= to; ++i)
    out.push_back(i);
  return out;
}

const std::string kHash(96, 'a');

// A minimal RIM in NVIDIA's shape, with `resources` inside Payload.
std::string rim_xml(const std::string& resources, const std::string& meta_extra = "") {
  return R"(<SoftwareIdentity xmlns="http://standards.iso.org/iso/19770/-2/2015/schema.xsd" )"
         R"(xmlns:ns2="http://www.w3.org/2001/04/xmlenc#sha384" name="GH100" tagId="abc" version="1.0">)"
         R"(<Meta xmlns:ns1="https://trustedcomputinggroup.org/resource/tcg-reference-integrity-manifest-rim-information-model/" )"
         R"(colloquialVersion="550.144.03" product="GH100" ns1:FirmwareManufacturerId="5703" )" +
         meta_extra + "/><Payload>" + resources + "</Payload></SoftwareIdentity>";
}

std::string resource(const std::string& attrs) {
  return R"(<Resource type="Measurement" )" + attrs + "/>";
}

std::string good_resource(int index, bool active = true) {
  return resource("index=\"" + std::to_string(index) + "\" active=\"" +
                  (active ? "True" : "False") + "\" alternatives=\"1\" ns2:Hash0=\"" + kHash +
                  "\" size=\"48\" name=\"m\"");
}

Result<RimDocument> parse(const std::string& xml) {
  return parse_rim_document(as_bytes(xml));
}

void expect_error(const std::string& xml, const std::string& needle) {
  auto rim = parse(xml);
  ASSERT_FALSE(rim.ok()) << "parsed: " << needle;
  EXPECT_NE(rim.error().message().find(needle), std::string::npos) << rim.error().message();
}

TEST(RimDocument, ParsesTheGenuineDriverRim) {
  CLLM_REQUIRE_SHARED_FILE(path,
                           "testdata/nvidia/nvat_sdk/rims/NV_GPU_DRIVER_GH100_550.144.03.xml");
  auto bytes = read_file(path);
  ASSERT_TRUE(bytes.ok());
  auto rim = parse_rim_document(*bytes);
  ASSERT_TRUE(rim.ok()) << rim.error().message();
  EXPECT_EQ(rim->colloquial_version, "550.144.03");
  EXPECT_EQ(rim->product, "GH100");
  EXPECT_EQ(rim->name, "GH100");
  EXPECT_EQ(rim->version, "1.0");
  EXPECT_EQ(rim->tag_id.substr(0, 8), "8aa5c875");
  EXPECT_EQ(rim->firmware_manufacturer_id, "5703");
  ASSERT_EQ(rim->measurements.size(), 64U);
  auto expected = range(21, 40);
  expected.insert(expected.begin(), 7);
  EXPECT_EQ(active_indices(*rim), expected);
  const RimMeasurement* m7 = rim->find(7);
  ASSERT_NE(m7, nullptr);
  EXPECT_EQ(m7->size, 48U);
  ASSERT_EQ(m7->alternatives.size(), 1U);
  EXPECT_EQ(to_hex(m7->alternatives[0]).substr(0, 16), "4a5e4b3d501fe31f");
  const RimMeasurement* m35 = rim->find(35);
  ASSERT_NE(m35, nullptr);
  EXPECT_EQ(m35->alternatives.size(), 4U);
  EXPECT_EQ(rim->find(64), nullptr);
}

TEST(RimDocument, ParsesTheVbiosAndSwitchRims) {
  CLLM_REQUIRE_SHARED_FILE(
      vbios, "testdata/nvidia/nvtrust_local_verifier/rims/1010_0200_882_96005E0001_PROD.swidtag");
  CLLM_REQUIRE_SHARED_FILE(
      sw, "testdata/nvidia/nvat_sdk/switch/NV_SWITCH_BIOS_5612_0002_890_9610550001.xml");
  auto v = parse_rim_document(read_file(vbios).value());
  ASSERT_TRUE(v.ok()) << v.error().message();
  EXPECT_EQ(v->colloquial_version, "96.00.5E.00.01");
  auto expected = range(0, 12);
  expected.erase(expected.begin() + 7);
  EXPECT_EQ(active_indices(*v), expected);
  auto s = parse_rim_document(read_file(sw).value());
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_EQ(s->product, "LS10");
  EXPECT_EQ(active_indices(*s), range(0, 30));
}

class EveryRimVector : public ::testing::TestWithParam<const char*> {};

TEST_P(EveryRimVector, Parses) {
  CLLM_REQUIRE_SHARED_FILE(path, std::string("testdata/nvidia/") + GetParam());
  auto rim = parse_rim_document(read_file(path).value());
  ASSERT_TRUE(rim.ok()) << rim.error().message();
  EXPECT_EQ(rim->measurements.size(), 64U);
  EXPECT_FALSE(active_indices(*rim).empty());
}

INSTANTIATE_TEST_SUITE_P(
    Vectors, EveryRimVector,
    ::testing::Values(
        "nvtrust_local_verifier/rims/1010_0200_882_96005E0001_PROD.swidtag",
        "nvtrust_local_verifier/rims/1010_0200_882_96005E0001_test_no_gpu.swidtag",
        "nvtrust_local_verifier/rims/1010_0205_862_9600740020_PROD.swidtag",
        "nvtrust_local_verifier/rims/Driver_RIM_test_no_gpu.swidtag",
        "nvtrust_local_verifier/rims/g520_0200_885_9600740001_PROD.swidtag",
        "nvat_sdk/rims/NV_GPU_DRIVER_GH100_535.86.09_measurement_mismatch.xml",
        "nvat_sdk/rims/NV_GPU_DRIVER_GH100_550.144.03.xml",
        "nvat_sdk/rims/NV_GPU_DRIVER_GH100_570.124.03_expired.xml",
        "nvat_sdk/rims/NV_GPU_VBIOS_1010_0200_882_96005E0001_measurement_mismatch.xml",
        "nvat_sdk/rims/incorrect_cert_chain_driver_rim.xml",
        "nvat_sdk/rims/incorrect_signature_driver_rim.xml",
        "nvat_sdk/switch/NV_SWITCH_BIOS_5612_0002_890_9610550001.xml"));

TEST(RimDocument, ParsesAMinimalDocumentAndSortsByIndex) {
  auto rim = parse(rim_xml(good_resource(5) + good_resource(2, false) +
                           R"(<Resource type="Other" index="999"/>)"));
  ASSERT_TRUE(rim.ok()) << rim.error().message();
  ASSERT_EQ(rim->measurements.size(), 2U);
  EXPECT_EQ(rim->measurements[0].index, 2U);
  EXPECT_FALSE(rim->measurements[0].active);
  EXPECT_EQ(rim->measurements[1].index, 5U);
  EXPECT_EQ(rim->measurements[1].alternatives[0], Bytes(48, 0xaa));
}

TEST(RimDocument, AcceptsAnotherPrefixForTheSha384Namespace) {
  const std::string xml = rim_xml(
      R"(<Resource xmlns:h="http://www.w3.org/2001/04/xmlenc#sha384" type="Measurement" index="1" active="True" alternatives="1" size="48" h:Hash0=")" +
      kHash + "\"/>");
  auto rim = parse(xml);
  ASSERT_TRUE(rim.ok()) << rim.error().message();
  EXPECT_EQ(rim->measurements[0].alternatives.size(), 1U);
}

TEST(RimDocument, RejectsDoctypeAndEntities) {
  // Billion laughs: must be refused at the DOCTYPE, before any expansion.
  std::string laughs = "<!DOCTYPE SoftwareIdentity [<!ENTITY a \"aaaaaaaaaa\">";
  for (int i = 1; i < 10; ++i) {
    laughs += "<!ENTITY " + std::string(1, static_cast<char>('a' + i)) + " \"";
    for (int j = 0; j < 10; ++j)
      laughs += "&" + std::string(1, static_cast<char>('a' + i - 1)) + ";";
    laughs += "\">";
  }
  laughs += "]>";
  expect_error(laughs + rim_xml(good_resource(1)), "DOCTYPE");
  expect_error("<!DOCTYPE x SYSTEM \"file:///etc/passwd\"><x>&xxe;</x>", "DOCTYPE");
  expect_error("<!DOCTYPE SoftwareIdentity>" + rim_xml(good_resource(1)), "DOCTYPE");
  // Refused when the DOCTYPE is read, before its (here malformed) internal subset.
  expect_error("<!DOCTYPE x [ <!ENTITY broken", "a DOCTYPE is not allowed");
  // An undeclared entity reference is a well-formedness error, never a lookup.
  auto xml = rim_xml(good_resource(1));
  xml.replace(xml.find("GH100"), 5, "&xxe;");
  expect_error(xml, "not well-formed");
}

TEST(RimDocument, RejectsOversizeDeepAndMalformedXml) {
  std::string big = rim_xml(good_resource(1));
  big.insert(big.find("<Payload>"), std::string(kMaxRimSize, ' '));
  auto r = parse(big);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kLimit);

  std::string deep;
  for (int i = 0; i < 40; ++i)
    deep += "<a>";
  for (int i = 0; i < 40; ++i)
    deep += "</a>";
  auto d = parse(rim_xml(good_resource(1) + deep));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code(), ErrorCode::kLimit);

  expect_error("", "empty");
  expect_error("<SoftwareIdentity", "not well-formed");
  expect_error(rim_xml(good_resource(1)) + "<trailing/>", "not well-formed");
}

TEST(RimDocument, RejectsWrongStructureNamingTheElement) {
  expect_error("<SoftwareIdentity tagId=\"a\" name=\"b\"/>", "ISO 19770-2");
  auto no_meta = rim_xml(good_resource(1));
  no_meta.replace(no_meta.find("<Meta"), 4, "<Mexa");
  expect_error(no_meta, "no Meta");
  expect_error(rim_xml(""), "no Resource type=\"Measurement\"");
  auto no_version = rim_xml(good_resource(1));
  no_version.replace(no_version.find("colloquialVersion"), 17, "colloquialVersiox");
  expect_error(no_version, "Meta lacks attribute colloquialVersion");
  auto two_payloads = rim_xml(good_resource(1));
  two_payloads.insert(two_payloads.find("</SoftwareIdentity>"), "<Payload/>");
  expect_error(two_payloads, "more than one Payload");
  auto no_tag = rim_xml(good_resource(1));
  no_tag.replace(no_tag.find("tagId"), 5, "tagIx");
  expect_error(no_tag, "SoftwareIdentity lacks attribute tagId");
}

TEST(RimDocument, RejectsBadMeasurementResources) {
  const std::string h = "ns2:Hash0=\"" + kHash + "\"";
  expect_error(
      rim_xml(resource("index=\"64\" active=\"True\" alternatives=\"1\" size=\"48\" " + h)),
      "Resource index 64 exceeds 63");
  expect_error(
      rim_xml(resource("index=\"-1\" active=\"True\" alternatives=\"1\" size=\"48\" " + h)),
      "Resource index is not a decimal number");
  expect_error(
      rim_xml(resource("index=\" 1\" active=\"True\" alternatives=\"1\" size=\"48\" " + h)),
      "not a decimal number");
  expect_error(rim_xml(resource("active=\"True\" alternatives=\"1\" size=\"48\" " + h)),
               "Resource lacks attribute index");
  expect_error(
      rim_xml(resource("index=\"1\" active=\"maybe\" alternatives=\"1\" size=\"48\" " + h)),
      "Resource index 1 active is not a boolean");
  expect_error(rim_xml(resource("index=\"1\" active=\"True\" alternatives=\"2\" size=\"48\" " + h)),
               "Resource index 1 lacks Hash1 (alternatives=2)");
  expect_error(rim_xml(resource("index=\"1\" active=\"True\" alternatives=\"1\" size=\"48\" " + h +
                                " ns2:Hash1=\"" + kHash + "\"")),
               "has Hash1 but alternatives=1");
  expect_error(rim_xml(resource("index=\"1\" active=\"True\" alternatives=\"0\" size=\"48\" " + h)),
               "alternatives is 0");
  expect_error(
      rim_xml(resource("index=\"1\" active=\"True\" alternatives=\"99\" size=\"48\" " + h)),
      "alternatives 99 exceeds");
  expect_error(rim_xml(resource("index=\"1\" active=\"True\" alternatives=\"1\" size=\"32\" " + h)),
               "size 32 is not 48");
  expect_error(
      rim_xml(resource("index=\"1\" active=\"True\" alternatives=\"1\" size=\"48\" ns2:Hash0=\"" +
                       std::string(94, 'a') + "\"")),
      "Hash0 is not 96 hex characters");
  expect_error(
      rim_xml(resource("index=\"1\" active=\"True\" alternatives=\"1\" size=\"48\" ns2:Hash0=\"" +
                       std::string(96, 'g') + "\"")),
      "Hash0 is not hex");
  expect_error(
      rim_xml(resource("index=\"1\" active=\"True\" alternatives=\"1\" size=\"48\" ns2:Digest=\"" +
                       kHash + "\"")),
      "unknown sha384 attribute Digest");
  expect_error(rim_xml(good_resource(3) + good_resource(3, false)),
               "Resource index 3 appears twice");
  // Two prefixes bound to the sha384 namespace naming Hash0 twice: libxml2 or we refuse it.
  const std::string twice = rim_xml(
      R"(<Resource xmlns:h="http://www.w3.org/2001/04/xmlenc#sha384" type="Measurement" index="1" active="True" alternatives="1" size="48" h:Hash0=")" +
      kHash + "\" " + h + "/>");
  EXPECT_FALSE(parse(twice).ok());
}

}  // namespace
}  // namespace cllm::gpu
