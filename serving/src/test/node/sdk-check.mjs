// Calls serving with the unmodified OpenAI npm SDK and prints what it saw as one JSON object on
// stdout; OpenAiSdkTest starts the server, runs this script and asserts on that object.
// Usage: FEEDLOOP_BASE_URL=http://127.0.0.1:8080/v1 FEEDLOOP_API_KEY=... node sdk-check.mjs
import OpenAI from 'openai';

const baseURL = process.env.FEEDLOOP_BASE_URL;
const apiKey = process.env.FEEDLOOP_API_KEY;
const model = process.env.FEEDLOOP_MODEL ?? 'tiny-chat';
if (!baseURL || !apiKey) {
  console.error('FEEDLOOP_BASE_URL and FEEDLOOP_API_KEY must be set');
  process.exit(2);
}
// no retries: every answer the server gives must reach the check as it is
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
const user = 'sdk-user';
const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Who are you?' },
];

/** The error an SDK call raised, as the SDK classified it. */
async function refusal(call) {
  try {
    await call();
    return { raised: false };
  } catch (error) {
    return {
      raised: true,
      class: error.constructor.name,
      isApiError: error instanceof OpenAI.APIError,
      status: error.status,
      type: error.type,
      code: error.code,
      param: error.param,
      message: error.message,
    };
  }
}

async function completion() {
  const response = await client.chat.completions.create({
    model,
    messages,
    temperature: 0.8,
    top_p: 0.95,
    max_tokens: 16,
    n: 2,
    seed: 7,
    stop: ['\n\n'],
    user,
  });
  return {
    id: response.id,
    object: response.object,
    model: response.model,
    choices: response.choices.map((choice) => ({
      index: choice.index,
      role: choice.message.role,
      content: choice.message.content,
      finish_reason: choice.finish_reason,
      // extra fields OpenAI's types do not know: the SDK must pass them through
      generation_id: choice.generation_id,
      has_adapter_version: 'adapter_version' in choice,
    })),
    usage: response.usage,
  };
}

/** A streamed completion through the SDK's stream iterator, with the usage chunk asked for. */
async function streaming() {
  const stream = await client.chat.completions.create({
    model,
    messages,
    max_tokens: 16,
    seed: 11,
    user,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let chunks = 0;
  let contentChunks = 0;
  let role = null;
  let finishReason = null;
  let usage = null;
  let usageChunkChoices = null;
  const objects = new Set();
  const generationIds = new Set();
  let choiceChunksWithoutGenerationId = 0;
  let chunksAfterUsage = 0;
  for await (const chunk of stream) {
    chunks++;
    objects.add(chunk.object);
    if (usage !== null) {
      chunksAfterUsage++;
    }
    if (chunk.usage) {
      usage = chunk.usage;
      usageChunkChoices = chunk.choices.length;
    }
    for (const choice of chunk.choices) {
      if (choice.delta?.role) {
        role = choice.delta.role;
      }
      if (choice.delta?.content) {
        text += choice.delta.content;
        contentChunks++;
      }
      if (choice.finish_reason) {
        finishReason = choice.finish_reason;
      }
      // an extra field on every chunk's choice: the SDK must pass it through
      if (choice.generation_id) {
        generationIds.add(choice.generation_id);
      } else {
        choiceChunksWithoutGenerationId++;
      }
    }
  }
  return {
    text,
    chunks,
    content_chunks: contentChunks,
    role,
    finish_reason: finishReason,
    usage,
    usage_chunk_choices: usageChunkChoices,
    chunks_after_usage: chunksAfterUsage,
    objects: [...objects],
    generation_ids: [...generationIds],
    choice_chunks_without_generation_id: choiceChunksWithoutGenerationId,
  };
}

/** OpenAI's logprobs through the SDK: every token with its log-prob and two alternatives. */
async function logprobs() {
  const response = await client.chat.completions.create({
    model,
    messages,
    max_tokens: 8,
    seed: 3,
    logprobs: true,
    top_logprobs: 2,
  });
  const choice = response.choices[0];
  return {
    content: choice.message.content,
    completion_tokens: response.usage.completion_tokens,
    tokens: choice.logprobs.content.map((entry) => ({
      token: entry.token,
      logprob: entry.logprob,
      bytes: entry.bytes,
      top: entry.top_logprobs.map((alternative) => alternative.logprob),
    })),
  };
}

async function models() {
  const ids = [];
  for await (const entry of client.models.list()) {
    ids.push(entry.id);
  }
  return { ids };
}

async function badRequest() {
  return refusal(() =>
    client.chat.completions.create({ model, messages, temperature: 3, max_tokens: 4 }),
  );
}

async function wrongKey() {
  const stranger = new OpenAI({ baseURL, apiKey: 'sk-not-a-key', maxRetries: 0 });
  return refusal(() => stranger.models.list());
}

/** Feedback is not an OpenAI concept: plain fetch with the same key. */
async function feedback(results) {
  const generationId = results.completion.choices[0].generation_id;
  const response = await fetch(`${baseURL}/feedback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ generation_id: generationId, kind: 'thumbs_up', user_id: user }),
  });
  return { status: response.status, body: await response.json() };
}

const checks = { completion, streaming, logprobs, models, badRequest, wrongKey, feedback };

const results = {};
for (const [name, check] of Object.entries(checks)) {
  results[name] = await check(results);
}
console.log(JSON.stringify(results));
