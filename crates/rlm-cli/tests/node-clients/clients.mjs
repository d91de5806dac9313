// Node clients of `rlm serve`'s /v1 with response_format (issue #57) and of
// /v1/responses (issue #82: the AI SDK's default provider), run by
// crates/rlm-cli/tests/structured_answers.rs over the scripted model of
// tests/structured/script.toml (its first FINAL is prose; the repair note
// makes it answer a matching object).
//
// Usage: node clients.mjs BASE_URL API_KEY. Prints `ok: ...` per check, then `all ok`.

import assert from "node:assert/strict";
import OpenAI from "openai";
import { zodResponseFormat, zodTextFormat } from "openai/helpers/zod";
import { generateObject, generateText } from "ai";
import { createOpenAI } from "@ai-sdk/openai";
import { z } from "zod";

const [base, key] = process.argv.slice(2);
const City = z.object({ city: z.string(), population: z.number().int() });
const expected = { city: "Paris", population: 2102650 };
const messages = [
  { role: "system", content: "Answer with the city and its population." },
  { role: "user", content: "Which city is the capital of France, and how many people live there?" },
];

// The openai package's parse(): zodResponseFormat sends response_format
// json_schema (strict) and parses the content back through the zod schema.
const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: key, maxRetries: 0, timeout: 120_000 });
const parse = client.chat.completions.parse
  ? (args) => client.chat.completions.parse(args)
  : (args) => client.beta.chat.completions.parse(args);
const completion = await parse({
  model: "rlm",
  messages,
  response_format: zodResponseFormat(City, "city"),
});
assert.deepEqual(completion.choices[0].message.parsed, expected);
console.log("ok: openai zodResponseFormat parse ->", JSON.stringify(completion.choices[0].message.parsed));

// The Vercel AI SDK's generateObject over the chat-completions API.
const provider = createOpenAI({ baseURL: `${base}/v1`, apiKey: key });
// (The AI SDK takes the system message as `instructions`.)
const { object } = await generateObject({
  model: provider.chat("rlm"),
  schema: City,
  instructions: messages[0].content,
  prompt: messages[1].content,
  maxRetries: 0,
});
assert.deepEqual(object, expected);
console.log("ok: ai generateObject ->", JSON.stringify(object));

// The Responses API (/v1/responses): the AI SDK's default provider, with no
// `.chat`, calls it.
const said = await generateText({
  model: provider("rlm"),
  instructions: messages[0].content,
  prompt: messages[1].content,
  maxRetries: 0,
});
assert.match(said.text, /Paris/);
console.log("ok: ai generateText (responses) ->", JSON.stringify(said.text));
const { object: viaResponses } = await generateObject({
  model: provider("rlm"),
  schema: City,
  instructions: messages[0].content,
  prompt: messages[1].content,
  maxRetries: 0,
});
assert.deepEqual(viaResponses, expected);
console.log("ok: ai generateObject (responses) ->", JSON.stringify(viaResponses));

// The openai package's responses.create (blocking and streamed) and
// responses.parse with zodTextFormat.
const created = await client.responses.create({
  model: "rlm",
  instructions: messages[0].content,
  input: messages[1].content,
});
assert.match(created.output_text, /Paris/);
console.log("ok: openai responses.create ->", JSON.stringify(created.output_text));
let streamed = "";
let completed = null;
for await (const ev of await client.responses.create({ model: "rlm", input: messages, stream: true })) {
  if (ev.type === "response.output_text.delta") streamed += ev.delta;
  if (ev.type === "response.completed") completed = ev.response;
}
assert.match(streamed, /Paris/);
assert.equal(completed?.status, "completed");
console.log("ok: openai responses.create stream ->", JSON.stringify(streamed));
const parsedResponse = await client.responses.parse({
  model: "rlm",
  input: messages,
  text: { format: zodTextFormat(City, "city") },
});
assert.deepEqual(parsedResponse.output_parsed, expected);
console.log("ok: openai responses.parse ->", JSON.stringify(parsedResponse.output_parsed));
console.log("all ok");
