// Node clients of `rlm serve`'s /v1 with response_format (issue #57), run by
// crates/rlm-cli/tests/structured_answers.rs over the scripted model of
// tests/structured/script.toml (its first FINAL is prose; the repair note
// makes it answer a matching object).
//
// Usage: node clients.mjs BASE_URL API_KEY. Prints `ok: ...` per check, then `all ok`.

import assert from "node:assert/strict";
import OpenAI from "openai";
import { zodResponseFormat } from "openai/helpers/zod";
import { generateObject } from "ai";
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
console.log("all ok");
