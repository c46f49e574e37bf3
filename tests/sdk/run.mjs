// Runs one scenario with an official SDK at its default settings (retries included) against a Tollgate gateway and
// prints what the application would see as one JSON object. Driven by Tollgate.Gateway.Tests/Sdk/NodeSdkTests.
// Usage: TOLLGATE_URL=http://127.0.0.1:PORT TOLLGATE_KEY=tg-... node run.mjs <scenario>
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';

const base = process.env.TOLLGATE_URL;
const key = process.env.TOLLGATE_KEY;
const model = process.env.TOLLGATE_MODEL;
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: key });
const anthropic = new Anthropic({ baseURL: base, apiKey: key });
const hello = [{ role: 'user', content: 'hello' }];

/** What an application can read from an SDK error. */
function describe(err, started) {
  return {
    error: err.constructor.name,
    rateLimit: err instanceof OpenAI.RateLimitError || err instanceof Anthropic.RateLimitError,
    status: err.status ?? null,
    // OpenAI SDK: err.error is the body's "error" object; Anthropic SDK: err.error is the whole body.
    body: err.error ?? null,
    shouldRetry: err.headers?.get?.('x-should-retry') ?? null,
    retryAfter: err.headers?.get?.('retry-after') ?? null,
    elapsedMs: Math.round(performance.now() - started),
  };
}

const scenarios = {
  async 'openai-chat'() {
    const { data, response } = await openai.chat.completions.create({ model: model ?? 'gpt-4o-mini', messages: hello }).withResponse();
    return { text: data.choices[0].message.content, usage: data.usage, cost: response.headers.get('x-tollgate-cost') };
  },
  async 'openai-stream'() {
    const stream = await openai.chat.completions.create({ model: model ?? 'gpt-4o-mini', messages: hello, stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    return { text, usage };
  },
  async 'openai-embeddings'() {
    // The SDK asks for base64 by default and decodes it.
    const result = await openai.embeddings.create({ model: model ?? 'text-embedding-3-small', input: ['one', 'two', 'three'] });
    return { count: result.data.length, dims: result.data.map((d) => d.embedding.length), indexes: result.data.map((d) => d.index), first: Array.from(result.data[0].embedding) };
  },
  async 'openai-chat-capped'() {
    return await openai.chat.completions.create({ model: model ?? 'gpt-4o-mini', messages: hello, max_tokens: 300 });
  },
  async 'openai-stream-capped'() {
    const stream = await openai.chat.completions.create({ model: model ?? 'gpt-4o-mini', messages: hello, max_tokens: 300, stream: true });
    for await (const _ of stream) {
      // draining
    }
    return {};
  },
  async 'openai-unknown-model'() {
    return await openai.chat.completions.create({ model: 'no-such-model', messages: hello });
  },
  async 'anthropic-messages'() {
    const message = await anthropic.messages.create({ model: model ?? 'claude-haiku-4-5', max_tokens: 300, messages: hello });
    return { text: message.content[0].text, usage: message.usage };
  },
  async 'anthropic-stream'() {
    const stream = anthropic.messages.stream({ model: model ?? 'claude-haiku-4-5', max_tokens: 300, messages: hello });
    let text = '';
    stream.on('text', (t) => { text += t; });
    const final = await stream.finalMessage();
    return { text, usage: final.usage };
  },
  async 'anthropic-stream-refused'() {
    const stream = anthropic.messages.stream({ model: model ?? 'claude-haiku-4-5', max_tokens: 300, messages: hello });
    return await stream.finalMessage();
  },
  async 'anthropic-unknown-model'() {
    return await anthropic.messages.create({ model: 'no-such-model', max_tokens: 10, messages: hello });
  },
  async 'anthropic-no-messages'() {
    return await anthropic.messages.create({ model: model ?? 'claude-haiku-4-5', max_tokens: 10 });
  },
  async 'anthropic-no-max-tokens'() {
    return await anthropic.messages.create({ model: model ?? 'claude-haiku-4-5', messages: hello });
  },
  async 'anthropic-count-tokens'() {
    return await anthropic.messages.countTokens({ model: model ?? 'claude-haiku-4-5', system: 'Be brief.', messages: hello });
  },
  async 'anthropic-models'() {
    const one = await anthropic.models.retrieve(model ?? 'claude-haiku-4-5');
    const ids = [];
    for await (const m of anthropic.models.list()) {
      ids.push(m.id);
    }
    return { id: one.id, ids };
  },
  async 'openai-models'() {
    const one = await openai.models.retrieve(model ?? 'gpt-4o-mini');
    const ids = [];
    for await (const m of openai.models.list()) {
      ids.push(m.id);
    }
    return { id: one.id, ids };
  },
};

const name = process.argv[2];
if (!scenarios[name]) {
  console.error(`unknown scenario '${name}': one of ${Object.keys(scenarios).join(', ')}`);
  process.exit(2);
}

// Warm up first (module loading, connections, the gateway's first request), so the clock measures the scenario's
// own call: a refusal the SDK retried would take a second or more of backoff on top.
await openai.models.list().catch(() => {});
await anthropic.models.list().catch(() => {});

const started = performance.now();
try {
  const result = await scenarios[name]();
  console.log(JSON.stringify({ ok: true, elapsedMs: Math.round(performance.now() - started), result }));
} catch (err) {
  if (err instanceof OpenAI.APIError || err instanceof Anthropic.APIError) {
    console.log(JSON.stringify({ ok: false, ...describe(err, started) }));
  } else {
    console.error(err);
    process.exit(1);
  }
}
