// recur's MCP server as the official TypeScript SDK's client sees it: initialize, list the tools,
// call expr, put and get in the memory tool, a call with bad arguments (isError), an unknown tool
// (a JSON-RPC error), and a second session that cannot see the first one's memory. Exits 0 when
// every answer is as expected, 1 on the first mismatch, 2 when it runs out of time.
//
//   node mcp_client.mjs stdio RECUR CONFIG   starts `RECUR mcp --config CONFIG --store TMP` itself,
//                                            and also speaks raw JSON-RPC lines to it
//   node mcp_client.mjs http URL TOKEN       talks to a running `recur serve` at URL (".../mcp")
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const TOTAL_MS = 120000;    // the whole run
const REQUEST_MS = 30000;   // one request
const request = { timeout: REQUEST_MS };

const watchdog = setTimeout(() => {
  console.error(`mcp_client: no result after ${TOTAL_MS} ms`);
  process.exit(2);
}, TOTAL_MS);
watchdog.unref();

function usage() {
  console.error('usage: node mcp_client.mjs stdio RECUR CONFIG | http URL TOKEN');
  process.exit(1);
}

// How to reach the server: a fresh transport for each client session.
function transports(mode, args, store) {
  if (mode === 'stdio') {
    const [recur, config] = args;
    return () => new StdioClientTransport({
      command: recur,
      args: ['mcp', '--config', config, '--store', store],
      stderr: 'inherit',
    });
  }
  const [url, token] = args;
  return () => new StreamableHTTPClientTransport(new URL(url), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
}

async function connect(makeTransport) {
  const client = new Client({ name: 'recur-mcp-client-test', version: '0.1.0' });
  const transport = makeTransport();
  await client.connect(transport, request);
  return { client, transport };
}

// Ends the session: over HTTP with DELETE, which the server must accept; over stdio by closing
// the server's stdin, after which it exits.
async function disconnect({ client, transport }) {
  if (transport instanceof StreamableHTTPClientTransport) {
    await transport.terminateSession();
    assert.equal(transport.sessionId, undefined, 'the session id is dropped after DELETE');
  }
  await client.close();
}

// Every tool, following nextCursor to the last page.
async function listAllTools(client) {
  const tools = [];
  let cursor;
  for (let page = 0; page < 100; ++page) {
    const result = await client.listTools(cursor === undefined ? {} : { cursor }, request);
    tools.push(...result.tools);
    cursor = result.nextCursor;
    if (cursor === undefined) return tools;
  }
  throw new Error('tools/list: more than 100 pages');
}

function text(result) {
  return result.content.filter((c) => c.type === 'text').map((c) => c.text).join('');
}

// A successful call: not isError, structuredContent as `expected`, and the text its JSON.
async function expectResult(client, name, args, expected) {
  const result = await client.callTool({ name, arguments: args }, undefined, request);
  assert.equal(result.isError, false, `${name} ${JSON.stringify(args)}: ${text(result)}`);
  assert.deepEqual(result.structuredContent, expected, `${name} ${JSON.stringify(args)}`);
  assert.deepEqual(JSON.parse(text(result)), expected, `${name}: text of the result`);
}

async function checkFirstSession(client, mode, args) {
  const info = client.getServerVersion();
  assert.equal(info.name, 'recur');
  assert.match(info.version, /^\d+\.\d+\.\d+$/);
  assert.deepEqual(client.getServerCapabilities(), { tools: { listChanged: false } });
  assert.deepEqual(await client.ping(request), {});

  const tools = await listAllTools(client);
  const names = tools.map((t) => t.name);
  for (const name of ['expr', 'memory'])
    assert.ok(names.includes(name), `tools/list: no '${name}' in ${names.join(', ')}`);
  for (const tool of tools) {
    assert.equal(typeof tool.description, 'string', `${tool.name}: description`);
    assert.equal(tool.inputSchema.type, 'object', `${tool.name}: inputSchema.type`);
  }
  if (mode === 'stdio') {
    // The descriptors are those `recur tool list` prints, field for field.
    const [recur, config] = args;
    const listed = spawnSync(recur, ['tool', 'list', '--config', config],
                             { encoding: 'utf8', timeout: REQUEST_MS });
    assert.equal(listed.status, 0, `recur tool list: ${listed.stderr}`);
    assert.deepEqual(tools, JSON.parse(listed.stdout).tools);
  }

  await expectResult(client, 'expr', { expression: '2^10 + 1' }, { value: 1025 });
  await expectResult(client, 'expr', { expression: 'x * y', variables: { x: 6, y: 7 } },
                     { value: 42 });

  const value = { text: 'hello', numbers: [1, 2, 3] };
  await expectResult(client, 'memory', { op: 'put', key: 'greeting', value }, { key: 'greeting' });
  await expectResult(client, 'memory', { op: 'get', key: 'greeting' },
                     { key: 'greeting', found: true, value });
  await expectResult(client, 'memory', { op: 'get', key: 'absent' },
                     { key: 'absent', found: false });

  for (const bad of [{}, { expression: 12 }, { expression: '1', extra: true }]) {
    const result = await client.callTool({ name: 'expr', arguments: bad }, undefined, request);
    assert.equal(result.isError, true, `expr ${JSON.stringify(bad)} must be a tool error`);
    assert.ok(text(result).length > 0, `expr ${JSON.stringify(bad)}: the error says nothing`);
  }
  const failed = await client.callTool({ name: 'expr', arguments: { expression: '1 +' } },
                                       undefined, request);
  assert.equal(failed.isError, true, 'expr "1 +" must fail');

  await assert.rejects(
    client.callTool({ name: 'no_such_tool', arguments: {} }, undefined, request),
    (e) => e instanceof McpError && e.code === -32602 && e.message.includes("'no_such_tool'"));
}

// A new session sees nothing of the first one's memory.
async function checkSecondSession(client) {
  await expectResult(client, 'memory', { op: 'get', key: 'greeting' },
                     { key: 'greeting', found: false });
}

// Raw lines on stdin: a line that is not JSON is answered with -32700 and the server goes on;
// requests before initialize are refused; notifications get no line; stdin's end ends the process.
function checkRawStdio(args, store) {
  const [recur, config] = args;
  const lines = [
    'this is not json',
    { jsonrpc: '2.0', id: 1, method: 'ping' },
    { jsonrpc: '2.0', id: 2, method: 'tools/list' },
    { jsonrpc: '2.0', id: 3, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {},
                clientInfo: { name: 'raw', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 'e', method: 'tools/call',
      params: { name: 'expr', arguments: { expression: '6*7' } } },
    { jsonrpc: '2.0', id: 5, method: 'no/such/method' },
  ];
  const input = lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
  const run = spawnSync(recur, ['mcp', '--config', config, '--store', store],
                        { input, encoding: 'utf8', timeout: REQUEST_MS });
  assert.equal(run.signal, null, `recur mcp was killed: ${run.stderr}`);
  assert.equal(run.status, 0, `recur mcp exit status: ${run.stderr}`);
  assert.ok(run.stdout.endsWith('\n'), 'stdout ends with a newline');
  const out = run.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
  assert.equal(out.length, 6, `six answers for six requests:\n${run.stdout}`);
  assert.deepEqual(out[0].id, null);
  assert.equal(out[0].error.code, -32700);
  assert.deepEqual(out[1], { jsonrpc: '2.0', id: 1, result: {} });
  assert.equal(out[2].id, 2);
  assert.equal(out[2].error.code, -32600);
  assert.deepEqual(out[3].result.protocolVersion, '2025-11-25');
  assert.deepEqual(out[3].result.capabilities, { tools: { listChanged: false } });
  assert.equal(out[3].result.serverInfo.name, 'recur');
  assert.equal(out[4].id, 'e');
  assert.deepEqual(out[4].result.structuredContent, { value: 42 });
  assert.equal(out[5].id, 5);
  assert.equal(out[5].error.code, -32601);
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (!((mode === 'stdio' || mode === 'http') && args.length === 2)) usage();
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-mcp-client-'));
  try {
    const makeTransport = transports(mode, args, store);
    const first = await connect(makeTransport);
    await checkFirstSession(first.client, mode, args);
    await disconnect(first);  // stdio: the store is free for the next process
    const second = await connect(makeTransport);
    await checkSecondSession(second.client);
    await disconnect(second);
    if (mode === 'stdio') checkRawStdio(args, store);
  } finally {
    fs.rmSync(store, { recursive: true, force: true });
  }
  console.log(`mcp_client: ${mode}: every check passed`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`mcp_client: ${error.stack ?? error}`);
    process.exit(1);
  });
