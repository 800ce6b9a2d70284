// recur serve's completions as the official OpenAI JavaScript client sees them: a completion in
// one answer and streamed, the models list, and an error for a model the server does not have.
// Exits 0 when every answer is as expected, 1 on the first mismatch, 2 when it runs out of time.
//
//   node openai_client.mjs URL TOKEN     URL: the server, e.g. http://127.0.0.1:8080
import assert from 'node:assert/strict';

import OpenAI from 'openai';

const watchdog = setTimeout(() => {
  console.error('openai_client: no result after 120 s');
  process.exit(2);
}, 120000);
watchdog.unref();

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node openai_client.mjs URL TOKEN');
  process.exit(1);
}
const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: token, timeout: 30000, maxRetries: 0 });

async function main() {
  const models = await client.models.list();
  const ids = [];
  for await (const m of models) ids.push(m.id);
  assert.ok(ids.includes('addition-pointer'), `models: ${ids}`);

  const ask = { model: 'addition-pointer', prompt: '1 2 + 3 4 =', max_tokens: 200, temperature: 0 };
  const whole = await client.completions.create(ask);
  assert.equal(whole.object, 'text_completion');
  assert.equal(whole.choices[0].text, '4 6');
  assert.equal(whole.choices[0].finish_reason, 'stop');
  assert.equal(whole.usage.completion_tokens, 2);

  const stream = await client.completions.create({ ...ask, prompt: '9 9 + 9 9 =', stream: true });
  let text = '';
  let finish = null;
  for await (const chunk of stream) {
    text += chunk.choices[0].text;
    if (chunk.choices[0].finish_reason) finish = chunk.choices[0].finish_reason;
  }
  assert.equal(text, '1 9 8');
  assert.equal(finish, 'stop');

  await assert.rejects(client.completions.create({ ...ask, model: 'nowhere' }), (e) => {
    assert.equal(e.status, 404);
    return true;
  });
  const anonymous = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'recur_wrong', maxRetries: 0 });
  await assert.rejects(anonymous.completions.create(ask), (e) => {
    assert.equal(e.status, 401);
    return true;
  });
  console.log('openai_client: every answer as expected');
}

main().then(() => process.exit(0), (e) => {
  console.error(`openai_client: ${e.stack || e}`);
  process.exit(1);
});
