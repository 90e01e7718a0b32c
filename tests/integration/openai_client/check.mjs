// Drives a cllm node with the official openai npm client (pinned in package.json): a chat
// completion, the same streamed, and a legacy completion. The node's certificate is trusted
// through NODE_EXTRA_CA_CERTS, as a user would do. Prints one JSON line with what it got;
// tests/integration/openai_client_test.cpp checks it.
// Usage: node check.mjs BASE_URL (e.g. https://127.0.0.1:8443/v1)
import OpenAI from "openai";

const baseURL = process.argv[2];
const client = new OpenAI({ baseURL, apiKey: process.env.CLLM_TEST_API_KEY ?? "none" });

const chat = await client.chat.completions.create({
  model: "stories260K",
  messages: [{ role: "user", content: "Tell me a story" }],
  max_tokens: 24,
  temperature: 0,
});

const stream = await client.chat.completions.create({
  model: "stories260K",
  messages: [{ role: "user", content: "Tell me a story" }],
  max_tokens: 24,
  temperature: 0,
  stream: true,
  stream_options: { include_usage: true },
});
let streamed = "";
let streamId = null;
let usage = null;
for await (const chunk of stream) {
  streamId ??= chunk.id;
  if (chunk.choices.length > 0) streamed += chunk.choices[0].delta?.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}

const completion = await client.completions.create({
  model: "stories260K",
  prompt: "Once upon a time",
  max_tokens: 16,
  temperature: 0,
});

const models = await client.models.list();

let errorStatus = null;
try {
  await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "x" }] });
} catch (e) {
  errorStatus = e.status;
}

console.log(JSON.stringify({
  chat_id: chat.id,
  chat_text: chat.choices[0].message.content,
  chat_finish: chat.choices[0].finish_reason,
  stream_id: streamId,
  stream_text: streamed,
  stream_usage: usage,
  completion_text: completion.choices[0].text,
  models: models.data.map((m) => m.id),
  error_status: errorStatus,
}));
