// The OpenAI-compatible wire format of UpstreamEngine, without a server.
#include "cllm/inference/upstream_protocol.hpp"

#include <gtest/gtest.h>

#include "cllm/common/json.hpp"

namespace cllm::inference {
namespace {

Json body_of(const GenerationRequest& r, UpstreamBodyOptions o = {}) {
  auto text = upstream_request_body(r, o);
  EXPECT_TRUE(text.ok()) << (text.ok() ? "" : text.error().message());
  auto j = parse_json(text.ok() ? *text : "{}");
  return j.ok() ? *j : Json();
}

TEST(UpstreamBody, CompletionCarriesPromptSamplingAndStreamingWithUsage) {
  GenerationRequest r;
  r.prompt = "Once upon a time";
  r.max_tokens = 64;
  r.sampling.temperature = 0.5f;
  r.sampling.top_p = 0.9f;
  r.sampling.seed = 42;
  r.stop = {"\n", "END"};
  Json j = body_of(r, {"stories", true});
  EXPECT_EQ(j["model"], "stories");
  EXPECT_EQ(j["prompt"], "Once upon a time");
  EXPECT_FALSE(j.contains("messages"));
  EXPECT_EQ(j["max_tokens"], 64);
  EXPECT_DOUBLE_EQ(j["temperature"].get<double>(), 0.5);
  EXPECT_NEAR(j["top_p"].get<double>(), 0.9, 1e-6);
  EXPECT_EQ(j["top_k"], 40);
  EXPECT_NEAR(j["min_p"].get<double>(), 0.05, 1e-6);
  EXPECT_EQ(j["seed"], 42);
  EXPECT_EQ(j["stop"], Json::array({"\n", "END"}));
  EXPECT_EQ(j["stream"], true);
  EXPECT_EQ(j["stream_options"]["include_usage"], true);
}

TEST(UpstreamBody, ChatGreedyRandomSeedAndStrictOpenAiFields) {
  GenerationRequest r;
  r.is_chat = true;
  r.messages = {{"system", "Be brief."}, {"user", "Hi"}};
  r.sampling.temperature = -1;  // greedy
  Json j = body_of(r, {"", false});
  EXPECT_FALSE(j.contains("model"));
  EXPECT_FALSE(j.contains("prompt"));
  ASSERT_EQ(j["messages"].size(), 2u);
  EXPECT_EQ(j["messages"][1]["role"], "user");
  EXPECT_EQ(j["messages"][1]["content"], "Hi");
  EXPECT_EQ(j["temperature"].get<double>(), 0.0);
  EXPECT_FALSE(j.contains("seed"));  // 0xFFFFFFFF: the upstream picks
  EXPECT_FALSE(j.contains("stop"));
  EXPECT_FALSE(j.contains("top_k"));
  EXPECT_FALSE(j.contains("min_p"));
}

TEST(UpstreamBody, InvalidUtf8AndBadArgumentsAreRefused) {
  GenerationRequest r;
  r.prompt = "bad \xC3\x28 byte";
  auto bad = upstream_request_body(r, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  r.prompt = "ok";
  r.stop = {"\xFF"};
  EXPECT_FALSE(upstream_request_body(r, {}).ok());
  r.stop.clear();
  r.max_tokens = -1;
  EXPECT_FALSE(upstream_request_body(r, {}).ok());
  GenerationRequest chat;
  chat.is_chat = true;
  EXPECT_FALSE(upstream_request_body(chat, {}).ok());
}

TEST(UpstreamChunk, ChatDeltasRoleOnlyFinishAndUsage) {
  auto role = parse_upstream_chunk(
      R"({"choices":[{"finish_reason":null,"index":0,"delta":{"role":"assistant","content":null}}]})",
      true);
  ASSERT_TRUE(role.ok());
  EXPECT_EQ(role->text, "");
  EXPECT_FALSE(role->finish_reason);
  auto text = parse_upstream_chunk(R"({"choices":[{"delta":{"content":"H\u00e9"}}]})", true);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->text, "H\xC3\xA9");
  auto fin = parse_upstream_chunk(R"({"choices":[{"finish_reason":"length","delta":{}}]})", true);
  ASSERT_TRUE(fin.ok());
  EXPECT_EQ(fin->finish_reason, "length");
  auto usage = parse_upstream_chunk(
      R"({"choices":[],"usage":{"completion_tokens":4,"prompt_tokens":42,"total_tokens":46}})",
      true);
  ASSERT_TRUE(usage.ok());
  ASSERT_TRUE(usage->usage);
  EXPECT_EQ(usage->usage->prompt_tokens, 42);
  EXPECT_EQ(usage->usage->completion_tokens, 4);
  auto done = parse_upstream_chunk("[DONE]", true);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(done->done);
}

TEST(UpstreamChunk, CompletionTextAndNullUsage) {
  auto c = parse_upstream_chunk(
      R"({"choices":[{"text":" there","index":0,"finish_reason":null}],"usage":null})", false);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->text, " there");
  EXPECT_FALSE(c->usage);
  // A chat-shaped chunk on the completion endpoint carries no text for it.
  auto other = parse_upstream_chunk(R"({"choices":[{"delta":{"content":"x"}}]})", false);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->text, "");
}

TEST(UpstreamChunk, ErrorsAndMalformedChunks) {
  auto e = parse_upstream_chunk(R"({"error":{"code":500,"message":"boom","type":"server_error"}})",
                                true);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code(), ErrorCode::kIo);
  EXPECT_NE(e.error().message().find("boom"), std::string::npos);
  for (const char* bad :
       {"{", "[]", R"({"choices":{}})", R"({"choices":[1]})",
        R"({"choices":[{"delta":{"content":5}}]})", R"({"choices":[{"finish_reason":1}]})",
        R"({"usage":[]})", R"({"usage":{"prompt_tokens":-1}})",
        R"({"usage":{"prompt_tokens":"3"}})"}) {
    auto r = parse_upstream_chunk(bad, true);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code(), ErrorCode::kParse) << bad;
    }
  }
}

TEST(UpstreamFinish, LengthOrStop) {
  EXPECT_EQ(map_finish_reason("length"), FinishReason::kLength);
  EXPECT_EQ(map_finish_reason("stop"), FinishReason::kStop);
  EXPECT_EQ(map_finish_reason("tool_calls"), FinishReason::kStop);
}

TEST(UpstreamHttpError, StatusAndUpstreamMessage) {
  auto context = upstream_http_error(
      "http://u/v1/completions", 400,
      R"({"error":{"code":400,"message":"request exceeds the context","type":"exceed_context_size_error"}})");
  EXPECT_EQ(context.code(), ErrorCode::kLimit);
  EXPECT_EQ(context.message(),
            "upstream http://u/v1/completions answered HTTP 400: request exceeds the context");
  auto invalid = upstream_http_error("u", 422, R"({"error":{"message":"bad field"}})");
  EXPECT_EQ(invalid.code(), ErrorCode::kInvalidArgument);
  auto auth = upstream_http_error("u", 401, R"({"error":{"message":"Invalid API Key"}})");
  EXPECT_EQ(auth.code(), ErrorCode::kIo);
  EXPECT_NE(auth.message().find("HTTP 401: Invalid API Key"), std::string::npos);
  auto plain = upstream_http_error("u", 502, std::string(2000, 'x') + "\n\xFF");
  EXPECT_EQ(plain.code(), ErrorCode::kIo);
  EXPECT_LT(plain.message().size(), 600u);  // bounded excerpt
  EXPECT_NE(upstream_http_error("u", 503, "").message().find("(empty body)"), std::string::npos);
}

}  // namespace
}  // namespace cllm::inference
