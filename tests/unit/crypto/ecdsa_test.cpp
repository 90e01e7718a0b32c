#include "cllm/crypto/ecdsa.hpp"

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "cllm/common/hex.hpp"

namespace cllm::crypto {
namespace {

Bytes h(std::string_view hex) {
  auto r = from_hex(hex);
  EXPECT_TRUE(r.ok()) << hex;
  return r.ok() ? *r : Bytes{};
}

Bytes cat(ByteView a, ByteView b) {
  return concat({a, b});
}

Bytes digest(const EVP_MD* md, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr), 1);
  out.resize(len);
  return out;
}

void expect_verification_error(const Status& st, std::string_view needle) {
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code(), ErrorCode::kVerification) << st.error().message();
  EXPECT_NE(st.error().message().find(needle), std::string::npos) << st.error().message();
}

// ---------------------------------------------------------------------------------------
// Curve constants

TEST(EcdsaCurve, OrdersMatchOpenSsl) {
  for (auto [curve, nid] : {std::pair{EcCurve::kP256, NID_X9_62_prime256v1},
                            std::pair{EcCurve::kP384, NID_secp384r1}}) {
    EC_GROUP* group = EC_GROUP_new_by_curve_name(nid);
    ASSERT_NE(group, nullptr);
    Bytes order(ec_field_size(curve));
    ASSERT_EQ(
        BN_bn2binpad(EC_GROUP_get0_order(group), order.data(), static_cast<int>(order.size())),
        static_cast<int>(order.size()));
    EC_GROUP_free(group);
    EXPECT_EQ(Bytes(ec_curve_order(curve).begin(), ec_curve_order(curve).end()), order);
  }
  EXPECT_EQ(ec_curve_name(EcCurve::kP256), "P-256");
  EXPECT_EQ(ec_digest_size(EcCurve::kP384), 48u);
}

// ---------------------------------------------------------------------------------------
// RFC 6979 appendix A.2.5 (P-256) and A.2.6 (P-384): key pairs and the deterministic
// signatures for SHA-256 / SHA-384 over "sample" and "test". OpenSSL signs with random
// nonces, so these serve as verify vectors.

struct Rfc6979Vector {
  EcCurve curve;
  const char* private_key;
  const char* ux;
  const char* uy;
  const char* message;
  const char* r;
  const char* s;
};

const Rfc6979Vector kRfc6979[] = {
    {EcCurve::kP256, "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
     "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
     "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299", "sample",
     "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716",
     "F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8"},
    {EcCurve::kP256, "C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
     "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
     "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299", "test",
     "F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367",
     "019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083"},
    {EcCurve::kP384,
     "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2E"
     "DF5",
     "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480B"
     "C13",
     "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264"
     "720",
     "sample",
     "94EDBB92A5ECB8AAD4736E56C691916B3F88140666CE9FA73D64C4EA95AD133C81A648152E44ACF96E36DD1E80FAB"
     "E46",
     "99EF4AEB15F178CEA1FE40DB2603138F130E740A19624526203B6351D0A3A94FA329C145786E679E7B82C71A38628"
     "AC8"},
    {EcCurve::kP384,
     "6B9D3DAD2E1B8C1C05B19875B6659F4DE23C3B667BF297BA9AA47740787137D896D5724E4C70A825F872C9EA60D2E"
     "DF5",
     "EC3A4E415B4E19A4568618029F427FA5DA9A8BC4AE92E02E06AAE5286B300C64DEF8F0EA9055866064A254515480B"
     "C13",
     "8015D9B72D7D57244EA8EF9AC0C621896708A59367F9DFB9F54CA84B3F1C9DB1288B231C3AE0D4FE7344FD2533264"
     "720",
     "test",
     "8203B63D3C853E8D77227FB377BCF7B7B772E97892A80F36AB775D509D7A5FEB0542A7F0812998DA8F1DD3CA3CF02"
     "3DB",
     "DDD0760448D42D8A43AF45AF836FCE4DE8BE06B485E9B61B827C2F13173923E06A739F040649A667BF3B828246BAA"
     "5A5"},
};

TEST(EcdsaRfc6979, PrivateKeyGivesPublishedPublicKey) {
  for (const auto& v : kRfc6979) {
    auto key = EcdsaPrivateKey::from_scalar(v.curve, h(v.private_key));
    ASSERT_TRUE(key.ok()) << key.error().message();
    EXPECT_EQ(key->public_key().to_raw_xy(), cat(h(v.ux), h(v.uy)));
    EXPECT_EQ(key->public_key().to_sec1(), concat({Bytes{0x04}, h(v.ux), h(v.uy)}));
    auto scalar = key->export_scalar();
    ASSERT_TRUE(scalar.ok());
    EXPECT_EQ(Bytes(scalar->view().begin(), scalar->view().end()), h(v.private_key));
  }
}

TEST(EcdsaRfc6979, VerifiesPublishedSignatures) {
  for (const auto& v : kRfc6979) {
    auto pub = EcdsaPublicKey::from_raw_xy(v.curve, cat(h(v.ux), h(v.uy)));
    ASSERT_TRUE(pub.ok()) << pub.error().message();
    const Bytes sig = cat(h(v.r), h(v.s));
    const Status st = pub->verify(as_bytes(v.message), sig);
    EXPECT_TRUE(st.ok()) << v.message << ": " << st.error().message();

    // The same signature over the digest, and in DER form.
    const Bytes d =
        digest(v.curve == EcCurve::kP256 ? EVP_sha256() : EVP_sha384(), as_bytes(v.message));
    EXPECT_TRUE(pub->verify_prehashed(d, sig).ok());
    auto der = ecdsa_raw_to_der(v.curve, sig);
    ASSERT_TRUE(der.ok());
    EXPECT_TRUE(pub->verify_der(as_bytes(v.message), *der).ok());

    // Known-false: the other message, and a flipped bit in each half.
    const std::string other = std::string(v.message) == "sample" ? "test" : "sample";
    expect_verification_error(pub->verify(as_bytes(other), sig), "does not match");
    Bytes bad_r = sig;
    bad_r[3] ^= 0x01;
    expect_verification_error(pub->verify(as_bytes(v.message), bad_r), "does not match");
    Bytes bad_s = sig;
    bad_s[sig.size() - 1] ^= 0x80;
    expect_verification_error(pub->verify(as_bytes(v.message), bad_s), "does not match");
  }
}

// ---------------------------------------------------------------------------------------
// NIST CAVP FIPS 186-3 ECDSA SigVer.rsp, sections [P-256,SHA-256] and [P-384,SHA-384]
// (186-3ecdsatestvectors.zip, csrc.nist.gov), as transcribed in microsoft/msrCrypto
// scripts/testVectors/tv_ecdsa.verify.js. "F" vectors name what NIST altered.

struct SigVerVector {
  const char* msg;
  const char* qx;
  const char* qy;
  const char* r;
  const char* s;
  bool valid;  // NIST's Result: P or F
};

const SigVerVector kSigVerP256[] = {
    {"e1130af6a38ccb412a9c8d13e15dbfc9e69a16385af3c3f1e5da954fd5e7c45fd75e2b8c36699228e92840c0562f"
     "bf3772f07e17f1add56588dd45f7450e1217ad239922dd9c32695dc71ff2424ca0dec1321aa47064a044b7fe3c2b"
     "97d03ce470a592304c5ef21eed9f93da56bb232d1eeb0035f9bf0dfafdcc4606272b20a3",
     "e424dc61d4bb3cb7ef4344a7f8957a0c5134e16f7a67c074f82e6e12f49abf3c",
     "970eed7aa2bc48651545949de1dddaf0127e5965ac85d1243d6f60e7dfaee927",
     "bf96b99aa49c705c910be33142017c642ff540c76349b9dab72f981fd9347f4f",
     "17c55095819089c2e03b9cd415abdf12444e323075d98f31920b9e0f57ec871c", true},
    {"73c5f6a67456ae48209b5f85d1e7de7758bf235300c6ae2bdceb1dcb27a7730fb68c950b7fcada0ecc4661d35782"
     "30f225a875e69aaa17f1e71c6be5c831f22663bac63d0c7a9635edb0043ff8c6f26470f02a7bc56556f1437f06df"
     "a27b487a6c4290d8bad38d4879b334e341ba092dde4e4ae694a9c09302e2dbf443581c08",
     "e0fc6a6f50e1c57475673ee54e3a57f9a49f3328e743bf52f335e3eeaa3d2864",
     "7f59d689c91e463607d9194d99faf316e25432870816dde63f5d4b373f12f22a",
     "1d75830cd36f4c9aa181b2c4221e87f176b7f05b7c87824e82e396c88315c407",
     "cb2acb01dac96efc53a32d4a0d85d0c2e48955214783ecf50a4f0414a319c05a", true},
    {"60cd64b2cd2be6c33859b94875120361a24085f3765cb8b2bf11e026fa9d8855dbe435acf7882e84f3c7857f96e2"
     "baab4d9afe4588e4a82e17a78827bfdb5ddbd1c211fbc2e6d884cddd7cb9d90d5bf4a7311b83f352508033812c77"
     "6a0e00c003c7e0d628e50736c7512df0acfa9f2320bd102229f46495ae6d0857cc452a84",
     "2d98ea01f754d34bbc3003df5050200abf445ec728556d7ed7d5c54c55552b6d",
     "9b52672742d637a32add056dfd6d8792f2a33c2e69dafabea09b960bc61e230a",
     "06108e525f845d0155bf60193222b3219c98e3d49424c2fb2a0987f825c17959",
     "62b5cdd591e5b507e560167ba8f6f7cda74673eb315680cb89ccbc4eec477dce", true},
    // S changed
    {"e4796db5f785f207aa30d311693b3702821dff1168fd2e04c0836825aefd850d9aa60326d88cde1a23c7745351"
     "392ca2288d632c264f197d05cd424a30336c19fd09bb229654f0222fcb881a4b35c290a093ac159ce13409111ff0"
     "358411133c24f5b8e2090d6db6558afc36f06ca1f6ef779785adba68db27a409859fc4c4a0",
     "87f8f2b218f49845f6f10eec3877136269f5c1a54736dbdf69f89940cad41555",
     "e15f369036f49842fac7a86c8a2b0557609776814448b8f5e84aa9f4395205e9",
     "d19ff48b324915576416097d2544f7cbdf8768b1454ad20e0baac50e211f23b0",
     "a3e81e59311cdfff2d4784949f7a2cb50ba6c3a91fa54710568e61aca3e847c6", false},
    // R changed
    {"069a6e6b93dfee6df6ef6997cd80dd2182c36653cef10c655d524585655462d683877f95ecc6d6c81623d8fac4"
     "e900ed0019964094e7de91f1481989ae1873004565789cbf5dc56c62aedc63f62f3b894c9c6f7788c8ecaadc9bd0"
     "e81ad91b2b3569ea12260e93924fdddd3972af5273198f5efda0746219475017557616170e",
     "5cf02a00d205bdfee2016f7421807fc38ae69e6b7ccd064ee689fc1a94a9f7d2",
     "ec530ce3cc5c9d1af463f264d685afe2b4db4b5828d7e61b748930f3ce622a85",
     "dc23d130c6117fb5751201455e99f36f59aba1a6a21cf2d0e7481a97451d6693",
     "d6ce7708c18dbf35d4f8aa7240922dc6823f2e7058cbc1484fcad1599db5018c", false},
    // Message changed
    {"1669bfb657fdc62c3ddd63269787fc1c969f1850fb04c933dda063ef74a56ce13e3a649700820f0061efabf849"
     "a85d474326c8a541d99830eea8131eaea584f22d88c353965dabcdc4bf6b55949fd529507dfb803ab6b480cd73ca"
     "0ba00ca19c438849e2cea262a1c57d8f81cd257fb58e19dec7904da97d8386e87b84948169",
     "69b7667056e1e11d6caf6e45643f8b21e7a4bebda463c7fdbc13bc98efbd0214",
     "d3f9b12eb46c7c6fda0da3fc85bc1fd831557f9abc902a3be3cb3e8be7d1aa2f",
     "288f7a1cd391842cce21f00e6f15471c04dc182fe4b14d92dc18910879799790",
     "247b3c4e89a3bcadfea73c7bfd361def43715fa382b8c3edf4ae15d6e55e9979", false},
    // Q changed
    {"7e80436bce57339ce8da1b5660149a20240b146d108deef3ec5da4ae256f8f894edcbbc57b34ce37089c0daa17"
     "f0c46cd82b5a1599314fd79d2fd2f446bd5a25b8e32fcf05b76d644573a6df4ad1dfea707b479d97237a346f1ec6"
     "32ea5660efb57e8717a8628d7f82af50a4e84b11f21bdff6839196a880ae20b2a0918d58cd",
     "3dfb6f40f2471b29b77fdccba72d37c21bba019efa40c1c8f91ec405d7dcc5df",
     "f22f953f1e395a52ead7f3ae3fc47451b438117b1e04d613bc8555b7d6e6d1bb",
     "548886278e5ec26bed811dbb72db1e154b6f17be70deb1b210107decb1ec2a5a",
     "e93bfebd2f14f3d827ca32b464be6e69187f5edbd52def4f96599c37d58eee75", false},
};

const SigVerVector kSigVerP384[] = {
    {"93e7e75cfaf3fa4e71df80f7f8c0ef6672a630d2dbeba1d61349acbaaa476f5f0e34dccbd85b9a815d90820331"
     "3a22fe3e919504cb222d623ad95662ea4a90099742c048341fe3a7a51110d30ad3a48a777c6347ea8b71749316e0"
     "dd1902facb304a76324b71f3882e6e70319e13fc2bb9f3f5dbb9bd2cc7265f52dfc0a3bb91",
     "a370cdbef95d1df5bf68ec487122514a107db87df3f8852068fd4694abcadb9b14302c72491a76a64442fc07bd99f"
     "02c",
     "d397c25dc1a5781573d039f2520cf329bf65120fdbe964b6b80101160e533d5570e62125b9f3276c49244b8d0f3e4"
     "4ec",
     "c6c7bb516cc3f37a304328d136b2f44bb89d3dac78f1f5bcd36b412a8b4d879f6cdb75175292c696b58bfa9c91fe6"
     "391",
     "6b711425e1b14f7224cd4b96717a84d65a60ec9951a30152ea1dd3b6ea66a0088d1fd3e9a1ef069804b7d969148c3"
     "7a0",
     true},
    {"bc5582967888a425fb757bd4965900f01e6695d1547ed967c1d4f67b1b1de365d203f407698761699fec5f5a61"
     "4c21e36a9f57a8aaf852e95538f5615785534568811a9a9ccc349843f6c16dc90a4ac96a8f72c33d9589a860f498"
     "1d7b4ee7173d1db5d49c4361368504c9a6cbbaedc2c9bff2b12884379ba90433698ceb881d",
     "d15ca4b2d944d5539658a19be8ef85874f0c363b870f1cd1f2dc9cb68b2a43a10d37064697c84543e60982ab62bb3"
     "2c8",
     "062fb7dfc379fc6465302ac5d8d11d3b957b594c9ef445cfe856765dd59e6f10f11809e115ac64969baa23543f2e5"
     "661",
     "e2cf123ce15ca4edad5f087778d483d9536e4a37d2d55599541c06f878e60354aa31df250b2fc4ed252b80219552c"
     "958",
     "696707a7e3f9a4b918e7c994e7332103d8e816bbe6d0d1cf72877318e087ed0e230b0d1269902f369acb432b9e97a"
     "389",
     true},
    // R changed
    {"6939a9118adc307107aa6b0057c280d10fa44a64700c7bd23e1f33a478ad2cfe596c05f72b540cbdb696aac6ab"
     "98d9ca8c62f33e182657130b8317a76275a5996333a5d3547e2293b401d0adf60f91e91d2137e34f3336e017c3c6"
     "dba6bf5b13dd0de288f9b20a896a92c48e984fbc09f920fab82f3f915d6524b0c11236aca4",
     "097cea75f685cf4d54324ad2124ce3f77b1e490bbaa1ffacde40dd988f7591e1c5d158e6f232500d958762831914a"
     "f7f",
     "716d8bc056daf69ca2edd21b89a6ae9923cfcae87bfda5f9a6e514dd4b9d28d164fcc613ca2afb9660adfece59f09"
     "b66",
     "1c5d4561d2a3af8835839b543098c101c715c545eb7d00300c5cb05bb08dac29e732ffdc31c50915e691999ad5051"
     "04c",
     "c3442f2fb1498fd47c2f959edff37a19783e3ccee80dc6955ca64db087fd188e67358e7b9223535bbb858d21ba6a9"
     "78c",
     false},
    // S changed
    {"c82071e42c45ac3597f255ba27766afe366e31a553a4d2191360b88a2a349ee077291454bf7b323cb3c9d7fec5"
     "533e4e4bf4fb5bc2eb16c6319e9378a3d8a444b2d758123438dbb457b26b14b654b3c88d66838adfa673067c0552"
     "d1b8a3ade3a9cb777986c00f65cace53f852c1121acf19516a7cf0ba3820b5f51f31c539a2",
     "d2e2b3d262bb1105d914c32c007ea23d15a98197f0ed90b46a17f3d403e406a76c8f752be1a8cd01a94fd45157f65"
     "11a",
     "e585fba180017b9983b4c853ad3a5dd52e079c5f0ef792d1a0213b6085e390b073de1a4b01749ceab27806e560498"
     "0fe",
     "49c001c47bbcee10c81c0cdfdb84c86e5b388510801e9c9dc7f81bf667e43f74b6a6769c4ac0a38863dc4f21c558f"
     "286",
     "1fb4ff67340cc44f212404ba60f39a2cb8dcd3f354c81b7219289d32e849d4915e9d2f91969ba71e3dd4414f1e8f1"
     "8f7",
     false},
    // Message changed
    {"13c63a3cb61f15c659720658a77869145ae8a176c6d93d3a8aa9946236d9fb0463db9e48c667cba731afaa814b"
     "a0d58357524f8de28d4c4bbe2691dac9b32632a7dd0f99fd4cb240290878305011f7d3e37ecc410cc1fed601e790"
     "1e8be6414ea44317584843a2d2ca2e15103e1ea49365bc384355b3c6fa6ccdd452543e9769",
     "46dcf8ee848c6459fa66d1cae91ccd471401a5782cb2d3b9b9264189f0e9ddf7197b05c694931bde3306240cf9d24"
     "b7e",
     "79d9508f82c5ead05c3f9392f3b1458f6d6c02f44420b9021d656e59402e2645bf3ba1a6b244ddb12edbb69516d58"
     "73b",
     "5ffba3b5bd7c3a89ec40b47884b0b3464e8abb78608c6d61e1e62c2ca98d44fcdf61825d69dffee8408d0849d0623"
     "bac",
     "0d2597b5fc3842ffce1957172253a8c9c0e4dbe770ce54f70f139e0545dc34ec639d609e14175bdb2b812ccfda00c"
     "9d4",
     false},
};

void run_sigver(EcCurve curve, std::span<const SigVerVector> vectors) {
  int index = 0;
  for (const auto& v : vectors) {
    SCOPED_TRACE("vector " + std::to_string(index++));
    auto pub = EcdsaPublicKey::from_raw_xy(curve, cat(h(v.qx), h(v.qy)));
    ASSERT_TRUE(pub.ok()) << pub.error().message();
    const Status st = pub->verify(h(v.msg), cat(h(v.r), h(v.s)));
    if (v.valid) {
      EXPECT_TRUE(st.ok()) << st.error().message();
    } else {
      expect_verification_error(st, "does not match");
    }
  }
}

TEST(EcdsaCavp, SigVerP256Sha256) {
  run_sigver(EcCurve::kP256, kSigVerP256);
}
TEST(EcdsaCavp, SigVerP384Sha384) {
  run_sigver(EcCurve::kP384, kSigVerP384);
}

// ---------------------------------------------------------------------------------------
// Sign / verify round trips

class EcdsaBothCurves : public ::testing::TestWithParam<EcCurve> {};

TEST_P(EcdsaBothCurves, SignVerifyRoundTrip) {
  const EcCurve curve = GetParam();
  auto key = EcdsaPrivateKey::generate(curve);
  ASSERT_TRUE(key.ok()) << key.error().message();
  const Bytes message = to_bytes("attested response body");
  auto sig = key->sign(message);
  ASSERT_TRUE(sig.ok()) << sig.error().message();
  EXPECT_EQ(sig->size(), 2 * ec_field_size(curve));
  EXPECT_TRUE(key->public_key().verify(message, *sig).ok());

  // A copy of the public key made from its exported forms verifies too.
  auto again = EcdsaPublicKey::from_sec1(curve, key->public_key().to_sec1());
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->verify(message, *sig).ok());

  // Empty message.
  auto empty_sig = key->sign({});
  ASSERT_TRUE(empty_sig.ok());
  EXPECT_TRUE(key->public_key().verify({}, *empty_sig).ok());

  // Prehashed signing agrees with message signing.
  const Bytes d = digest(curve == EcCurve::kP256 ? EVP_sha256() : EVP_sha384(), message);
  auto pre = key->sign_prehashed(d);
  ASSERT_TRUE(pre.ok()) << pre.error().message();
  EXPECT_TRUE(key->public_key().verify(message, *pre).ok());
  EXPECT_TRUE(key->public_key().verify_prehashed(d, *sig).ok());
}

TEST_P(EcdsaBothCurves, ScalarRoundTrip) {
  const EcCurve curve = GetParam();
  auto key = EcdsaPrivateKey::generate(curve);
  ASSERT_TRUE(key.ok());
  auto scalar = key->export_scalar();
  ASSERT_TRUE(scalar.ok());
  auto reloaded = EcdsaPrivateKey::from_scalar(curve, scalar->view());
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message();
  EXPECT_EQ(reloaded->public_key().to_sec1(), key->public_key().to_sec1());
  auto sig = reloaded->sign(to_bytes("x"));
  ASSERT_TRUE(sig.ok());
  EXPECT_TRUE(key->public_key().verify(to_bytes("x"), *sig).ok());
}

TEST_P(EcdsaBothCurves, NegativeCasesFailWithClearErrors) {
  const EcCurve curve = GetParam();
  const std::size_t field = ec_field_size(curve);
  auto key = EcdsaPrivateKey::generate(curve);
  auto other = EcdsaPrivateKey::generate(curve);
  ASSERT_TRUE(key.ok() && other.ok());
  const Bytes message = to_bytes("message");
  auto sig_result = key->sign(message);
  ASSERT_TRUE(sig_result.ok());
  const Bytes sig = *sig_result;
  const auto& pub = key->public_key();

  expect_verification_error(other->public_key().verify(message, sig), "does not match");
  Bytes flipped_message = message;
  flipped_message[0] ^= 0x01;
  expect_verification_error(pub.verify(flipped_message, sig), "does not match");
  Bytes flipped_sig = sig;
  flipped_sig[field + 5] ^= 0x10;
  expect_verification_error(pub.verify(message, flipped_sig), "does not match");
  expect_verification_error(pub.verify(message, ByteView(sig).first(sig.size() - 1)),
                            "raw signature must be");
  expect_verification_error(pub.verify(message, {}), "raw signature must be");
  Bytes long_sig = sig;
  long_sig.push_back(0);
  expect_verification_error(pub.verify(message, long_sig), "raw signature must be");

  // r = 0, s = 0, r = n, s = n: out of range before any curve arithmetic.
  const Bytes n(ec_curve_order(curve).begin(), ec_curve_order(curve).end());
  const Bytes zero(field, 0);
  const ByteView r = ByteView(sig).first(field);
  const ByteView s = ByteView(sig).subspan(field);
  expect_verification_error(pub.verify(message, cat(zero, s)), "r is zero");
  expect_verification_error(pub.verify(message, cat(r, zero)), "s is zero");
  expect_verification_error(pub.verify(message, cat(n, s)), "r is not below the group order");
  expect_verification_error(pub.verify(message, cat(r, n)), "s is not below the group order");

  // Prehashed with a wrong-size digest.
  expect_verification_error(pub.verify_prehashed(Bytes(field - 1, 1), sig), "digest must be");
  auto bad_pre = key->sign_prehashed(Bytes(7, 1));
  ASSERT_FALSE(bad_pre.ok());
  EXPECT_EQ(bad_pre.error().code(), ErrorCode::kInvalidArgument);
}

TEST_P(EcdsaBothCurves, PublicKeyParsingRejectsBadPoints) {
  const EcCurve curve = GetParam();
  const std::size_t field = ec_field_size(curve);
  auto key = EcdsaPrivateKey::generate(curve);
  ASSERT_TRUE(key.ok());
  const Bytes sec1 = key->public_key().to_sec1();
  ASSERT_EQ(sec1.size(), 1 + 2 * field);
  EXPECT_EQ(key->public_key().to_raw_xy(), Bytes(sec1.begin() + 1, sec1.end()));

  auto expect_parse_error = [&](ByteView bytes, std::string_view needle) {
    auto r = EcdsaPublicKey::from_sec1(curve, bytes);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kParse);
    EXPECT_NE(r.error().message().find(needle), std::string::npos) << r.error().message();
  };
  expect_parse_error(ByteView(sec1).first(sec1.size() - 1), "must be");
  expect_parse_error({}, "must be");
  Bytes compressed_tag = sec1;
  compressed_tag[0] = 0x02;
  expect_parse_error(compressed_tag, "uncompressed");
  Bytes off_curve = sec1;
  off_curve.back() ^= 0x01;
  expect_parse_error(off_curve, "not a valid point");
  Bytes zeros(sec1.size(), 0);
  zeros[0] = 0x04;
  expect_parse_error(zeros, "not a valid point");
  // x = y = 0xff..ff is outside the field.
  Bytes ones(sec1.size(), 0xff);
  ones[0] = 0x04;
  expect_parse_error(ones, "not a valid point");

  auto wrong_raw = EcdsaPublicKey::from_raw_xy(curve, Bytes(2 * field + 1, 1));
  ASSERT_FALSE(wrong_raw.ok());
  EXPECT_EQ(wrong_raw.error().code(), ErrorCode::kParse);

  // A P-256 point is not a P-384 key and vice versa.
  const EcCurve other = curve == EcCurve::kP256 ? EcCurve::kP384 : EcCurve::kP256;
  EXPECT_FALSE(EcdsaPublicKey::from_sec1(other, sec1).ok());
}

TEST_P(EcdsaBothCurves, PrivateScalarRange) {
  const EcCurve curve = GetParam();
  const std::size_t field = ec_field_size(curve);
  const Bytes n(ec_curve_order(curve).begin(), ec_curve_order(curve).end());
  Bytes n_minus_1 = n;
  n_minus_1.back() -= 1;  // n ends in 0x51 / 0x73, no borrow
  Bytes one(field, 0);
  one.back() = 1;
  EXPECT_TRUE(EcdsaPrivateKey::from_scalar(curve, one).ok());
  EXPECT_TRUE(EcdsaPrivateKey::from_scalar(curve, n_minus_1).ok());
  for (const Bytes& bad :
       {Bytes(field, 0), n, Bytes(field, 0xff), Bytes(field - 1, 1), Bytes(field + 1, 1)}) {
    auto r = EcdsaPrivateKey::from_scalar(curve, bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().message();
  }
}

INSTANTIATE_TEST_SUITE_P(Ecdsa, EcdsaBothCurves, ::testing::Values(EcCurve::kP256, EcCurve::kP384),
                         [](const ::testing::TestParamInfo<EcCurve>& p) {
                           return p.param == EcCurve::kP256 ? std::string("P256")
                                                            : std::string("P384");
                         });

TEST(EcdsaPkey, FromPkeyAcceptsOnlyP256AndP384) {
  auto key = EcdsaPrivateKey::generate(EcCurve::kP384);
  ASSERT_TRUE(key.ok());
  auto pub = EcdsaPublicKey::from_pkey(key->pkey());
  ASSERT_TRUE(pub.ok()) << pub.error().message();
  EXPECT_EQ(pub->curve(), EcCurve::kP384);
  EXPECT_EQ(pub->to_sec1(), key->public_key().to_sec1());

  EVP_PKEY* p521 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
  ASSERT_NE(p521, nullptr);
  auto r = EcdsaPublicKey::from_pkey(p521);
  EVP_PKEY_free(p521);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.error().message().find("unsupported curve"), std::string::npos);

  EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(ed, nullptr);
  auto r2 = EcdsaPublicKey::from_pkey(ed);
  EVP_PKEY_free(ed);
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r2.error().code(), ErrorCode::kUnsupported);

  EXPECT_FALSE(EcdsaPublicKey::from_pkey(nullptr).ok());
}

// ---------------------------------------------------------------------------------------
// Raw r||s <-> DER

TEST(EcdsaDer, EncodesRfc6979SignaturesCanonically) {
  // r and s both have the top bit set: each INTEGER gets a 0x00 pad (33 content bytes).
  auto der = ecdsa_raw_to_der(EcCurve::kP256, cat(h(kRfc6979[0].r), h(kRfc6979[0].s)));
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(to_hex(*der),
            "3046022100efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716022100f7cb1c"
            "942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8");
  // s = 019f...: no pad, 32 content bytes.
  auto der2 = ecdsa_raw_to_der(EcCurve::kP256, cat(h(kRfc6979[1].r), h(kRfc6979[1].s)));
  ASSERT_TRUE(der2.ok());
  EXPECT_EQ(to_hex(*der2),
            "3045022100f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d383670220019f41"
            "13742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083");
  // Back again.
  auto raw = ecdsa_der_to_raw(EcCurve::kP256, *der2);
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, cat(h(kRfc6979[1].r), h(kRfc6979[1].s)));
}

TEST(EcdsaDer, ShortIntegersRoundTrip) {
  // r = 1 and s = 0x80 (needs a pad byte) in a P-384 signature.
  Bytes raw(96, 0);
  raw[47] = 0x01;
  raw[95] = 0x80;
  auto der = ecdsa_raw_to_der(EcCurve::kP384, raw);
  ASSERT_TRUE(der.ok());
  EXPECT_EQ(to_hex(*der),
            "3007020101020200"
            "80");
  auto back = ecdsa_der_to_raw(EcCurve::kP384, *der);
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(*back, raw);
}

TEST(EcdsaDer, RandomSignaturesRoundTripThroughOpenSslDer) {
  for (EcCurve curve : {EcCurve::kP256, EcCurve::kP384}) {
    auto key = EcdsaPrivateKey::generate(curve);
    ASSERT_TRUE(key.ok());
    for (int i = 0; i < 20; ++i) {
      const Bytes msg = to_bytes("m" + std::to_string(i));
      auto raw = key->sign(msg);
      ASSERT_TRUE(raw.ok());
      auto der = ecdsa_raw_to_der(curve, *raw);
      ASSERT_TRUE(der.ok());
      EXPECT_TRUE(key->public_key().verify_der(msg, *der).ok());
      auto back = ecdsa_der_to_raw(curve, *der);
      ASSERT_TRUE(back.ok());
      EXPECT_EQ(*back, *raw);
    }
  }
}

TEST(EcdsaDer, RejectsMalformedEncodings) {
  // Variations on a minimal valid P-256 encoding, r = 0x01, s = 0x02: 3006 020101 020102.
  struct Case {
    const char* der_hex;
    const char* needle;
  };
  const Case bad[] = {
      {"", "impossible size"},
      {"3006020101020102"
       "00",
       "SEQUENCE length does not match"},  // trailing byte
      {"3106020101020102", "not a SEQUENCE"},
      {"3080020101020102"
       "0000",
       "short form"},                        // BER indefinite length
      {"308106020101020102", "short form"},  // long form where short fits
      {"3007020101020102", "SEQUENCE length does not match"},
      {"3006040101020102", "r is not an INTEGER"},
      {"3006020101030102", "s is not an INTEGER"},
      {"3006020002020102", "r is empty"},
      {"30060201ff020102", "r is negative"},
      {"3007020200010201"
       "02",
       "non-minimal leading zero"},
      {"3006020100020102", "r is zero"},
      {"3006020101020100", "s is zero"},
      {"3008020101020102"
       "0500",
       "trailing bytes after s"},
      {"3006020101028102", "s length form invalid"},
      {"3006020101020502", "s truncated"},
  };
  for (const auto& c : bad) {
    auto r = ecdsa_der_to_raw(EcCurve::kP256, h(c.der_hex));
    ASSERT_FALSE(r.ok()) << c.der_hex;
    EXPECT_EQ(r.error().code(), ErrorCode::kParse);
    EXPECT_NE(r.error().message().find(c.needle), std::string::npos)
        << c.der_hex << " -> " << r.error().message();
  }

  // An INTEGER wider than the curve: 33 significant bytes for P-256.
  Bytes wide = h("3027022101");
  wide.resize(wide.size() + 32, 0x11);
  wide.insert(wide.end(), {0x02, 0x01, 0x01});
  wide[1] = static_cast<std::uint8_t>(wide.size() - 2);
  auto r = ecdsa_der_to_raw(EcCurve::kP256, wide);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message().find("wider than the curve"), std::string::npos)
      << r.error().message();

  // s = n (in range for P-384 but not for P-256).
  Bytes with_n = h("3026020101022100");
  const ByteView n = ec_curve_order(EcCurve::kP256);
  with_n.insert(with_n.end(), n.begin(), n.end());
  with_n[1] = static_cast<std::uint8_t>(with_n.size() - 2);
  auto rn = ecdsa_der_to_raw(EcCurve::kP256, with_n);
  ASSERT_FALSE(rn.ok());
  EXPECT_NE(rn.error().message().find("s is not below the group order"), std::string::npos)
      << rn.error().message();

  // verify_der maps the same failures to kVerification.
  auto key = EcdsaPrivateKey::generate(EcCurve::kP256);
  ASSERT_TRUE(key.ok());
  expect_verification_error(key->public_key().verify_der(to_bytes("m"), h("3106020101020102")),
                            "not a SEQUENCE");
}

TEST(EcdsaDer, RawWithWrongWidthIsRejected) {
  EXPECT_FALSE(ecdsa_raw_to_der(EcCurve::kP256, Bytes(63, 1)).ok());
  EXPECT_FALSE(ecdsa_raw_to_der(EcCurve::kP256, Bytes(96, 1)).ok());
  EXPECT_FALSE(ecdsa_raw_to_der(EcCurve::kP384, Bytes(64, 1)).ok());
  EXPECT_TRUE(ecdsa_raw_to_der(EcCurve::kP384, Bytes(96, 1)).ok());
}

}  // namespace
}  // namespace cllm::crypto
