// The official openai npm client consuming the benchmark stream.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.argv[2], apiKey: "sk-bench" });
const stream = await client.chat.completions.create({
  model: "bench", stream: true,
  messages: [{ role: "user", content: "stream please" }],
});
let chunks = 0, chars = 0;
for await (const chunk of stream) {
  chunks++;
  const delta = chunk.choices[0]?.delta;
  if (delta?.content) chars += delta.content.length;
}
console.error(`openai-node: ${chunks} chunks, ${chars} characters`);
