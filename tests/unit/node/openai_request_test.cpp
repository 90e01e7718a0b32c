#include "cllm/node/openai_request.hpp"

#include <gtest/gtest.h>

namespace cllm::node {
namespace {

TEST(OpenAiRequest, ParsesAChatRequestWithEveryMappedField) {
  auto r = parse_chat_completion_request(R"({
    "model":"m","stream":true,"stream_options":{"include_usage":true},
    "messages":[{"role":"system","content":"be brief"},
                {"role":"user","content":[{"type":"text","text":"hi "},{"type":"text","text":"there"}]}],
    "temperature":0,"top_p":0.5,"max_tokens":7,"stop":["\n","END"],"seed":42,"n":1,
    "unknown_field":{"whatever":[1,2,3]},"presence_penalty":0})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->chat);
  EXPECT_EQ(r->model, "m");
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  ASSERT_EQ(r->generation.messages.size(), 2u);
  EXPECT_EQ(r->generation.messages[1].content, "hi there");
  EXPECT_EQ(r->generation.sampling.temperature, 0.0f);
  EXPECT_EQ(r->generation.sampling.top_p, 0.5f);
  EXPECT_EQ(r->generation.sampling.seed, 42u);
  EXPECT_EQ(r->generation.max_tokens, 7);
  EXPECT_EQ(r->generation.stop, (std::vector<std::string>{"\n", "END"}));
}

TEST(OpenAiRequest, DefaultsFollowOpenAi) {
  auto r = parse_chat_completion_request(R"({"messages":[{"role":"user","content":"x"}]})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->stream);
  EXPECT_EQ(r->generation.sampling.temperature, 1.0f);
  EXPECT_EQ(r->generation.sampling.top_p, 1.0f);
  EXPECT_EQ(r->generation.max_tokens, RequestLimits{}.default_max_tokens);
  EXPECT_EQ(r->generation.sampling.seed, 0xFFFFFFFFu);
}

TEST(OpenAiRequest, NullMeansAbsent) {
  auto r = parse_chat_completion_request(
      R"({"messages":[{"role":"user","content":"x"}],"temperature":null,"stop":null,"seed":null})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->generation.sampling.temperature, 1.0f);
}

TEST(OpenAiRequest, ParsesACompletionRequest) {
  auto r = parse_completion_request(R"({"prompt":"Once upon a time","max_tokens":64,"stop":"."})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(r->chat);
  EXPECT_FALSE(r->generation.is_chat);
  EXPECT_EQ(r->generation.prompt, "Once upon a time");
  EXPECT_EQ(r->generation.stop, std::vector<std::string>{"."});
  auto one = parse_completion_request(R"({"prompt":["a"]})");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->generation.prompt, "a");
}

struct BadCase {
  const char* body;
  const char* mentions;
};

class OpenAiRequestRejects : public testing::TestWithParam<BadCase> {};

TEST_P(OpenAiRequestRejects, NamingTheField) {
  auto r = parse_chat_completion_request(GetParam().body);
  ASSERT_FALSE(r) << GetParam().body;
  EXPECT_NE(r.error().message().find(GetParam().mentions), std::string::npos)
      << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, OpenAiRequestRejects,
    testing::Values(
        BadCase{"", "JSON"}, BadCase{"{", "JSON"}, BadCase{"[]", "object"},
        BadCase{R"({"messages":[]})", "messages"}, BadCase{R"({"messages":"hi"})", "messages"},
        BadCase{R"({})", "messages"},
        BadCase{R"({"messages":[{"role":"wizard","content":"x"}]})", "role"},
        BadCase{R"({"messages":[{"role":"user"}]})", "content"},
        BadCase{R"({"messages":[{"role":"user","content":5}]})", "content"},
        BadCase{R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})", "text"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"temperature":"hot"})",
                "temperature"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"temperature":3})", "temperature"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"max_tokens":0})", "max_tokens"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"max_tokens":1.5})", "max_tokens"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"n":2})", "n"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"stream":"yes"})", "stream"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"stop":[1]})", "stop"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"stop":["a","b","c","d","e"]})",
                "stop"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"seed":-1})", "seed"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"model":7})", "model"},
        BadCase{R"({"messages":[{"role":"user","content":"x"}],"tools":[{}]})", "tool"}));

TEST(OpenAiRequest, IgnoreEosIsReadAndAnswerChangingFieldsAreRefused) {
  auto r =
      parse_completion_request(R"({"prompt":"x","ignore_eos":true,"logit_bias":{},"logprobs":0})");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(r->generation.ignore_eos);
  auto bias = parse_completion_request(R"({"prompt":"x","logit_bias":{"50256":-100}})");
  ASSERT_FALSE(bias);
  EXPECT_NE(bias.error().message().find("logit_bias"), std::string::npos);
  auto logprobs = parse_chat_completion_request(
      R"({"messages":[{"role":"user","content":"x"}],"logprobs":true})");
  ASSERT_FALSE(logprobs);
  EXPECT_NE(logprobs.error().message().find("logprobs"), std::string::npos);
  EXPECT_FALSE(parse_completion_request(R"({"prompt":"x","ignore_eos":"yes"})"));
}

TEST(OpenAiRequest, RejectsInvalidUtf8InAPrompt) {
  std::string body = "{\"messages\":[{\"role\":\"user\",\"content\":\"a\xff\xfe\"}]}";
  auto r = parse_chat_completion_request(body);
  ASSERT_FALSE(r);
  auto c = parse_completion_request("{\"prompt\":\"\xc3\x28\"}");
  ASSERT_FALSE(c);
}

TEST(OpenAiRequest, RejectsDeepNesting) {
  std::string body = R"({"messages":[{"role":"user","content":"x"}],"x":)";
  for (int i = 0; i < 100; ++i)
    body += "[";
  for (int i = 0; i < 100; ++i)
    body += "]";
  body += "}";
  EXPECT_FALSE(parse_chat_completion_request(body));
}

TEST(OpenAiRequest, CompletionPromptMustBeText) {
  EXPECT_FALSE(parse_completion_request(R"({"prompt":[1,2,3]})"));
  EXPECT_FALSE(parse_completion_request(R"({"prompt":["a","b"]})"));
  EXPECT_FALSE(parse_completion_request(R"({"prompt":7})"));
  EXPECT_FALSE(parse_completion_request(R"({"max_tokens":3})"));
}

}  // namespace
}  // namespace cllm::node
