// Test helper: starts a real OrleansChat gateway (dotnet run --no-build) on free ports and always stops it.
// Build the gateway first: dotnet build Gateway.Web. Set ORLEANSCHAT_URL to use an already running gateway.
import { spawn } from 'node:child_process';
import { before, after } from 'node:test';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { ChatClient, createBrowserTransport, login } from '../src/index.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const running = new Set();
process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal); // the whole group: dotnet run and the app it started
  } catch {
    try { child.kill(signal); } catch { /* gone */ }
  }
}

/**
 * Starts the gateway and waits until it answers a login and /readyz. Returns {url, stop(), restart(), output()}.
 * `args` are extra configuration arguments, e.g. ['--Security:Encryption', 'Required']. restart() stops the
 * process with SIGTERM (the gateway drains: its sockets close with 1012) and starts another on the same ports.
 */
export async function startGateway({ timeoutMs = 120000, args = [], ports } = {}) {
  if (process.env.ORLEANSCHAT_URL) {
    return { url: process.env.ORLEANSCHAT_URL.replace(/\/+$/, ''), stop: async () => {}, restart: null, output: () => '' };
  }
  const [http, silo, gw] = ports || [await freePort(), await freePort(), await freePort()];
  const url = `http://127.0.0.1:${http}`;
  const child = spawn('dotnet', [
    'run', '--no-build', '--project', path.join(REPO_ROOT, 'Gateway.Web'), '--',
    '--Urls', url, '--Cluster:SiloPort', String(silo), '--Cluster:GatewayPort', String(gw),
    '--Logging:LogLevel:Default', 'Warning', '--Auth:DevLoginEnabled', 'true', ...args,
  ], {
    cwd: REPO_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });
  running.add(child);
  let log = '';
  const collect = (d) => { log = (log + d).slice(-20000); };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; running.delete(child); });

  const stop = async () => {
    if (exited) return;
    killGroup(child, 'SIGTERM');
    const done = new Promise((r) => child.once('exit', r));
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await done;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`the gateway exited (${JSON.stringify(exited)}) before it was ready:\n${log}`);
    try {
      await login(url, { openId: 'probe', name: 'probe' });
      // Ready, as a load balancer sees it: until then the gateway refuses sockets with 503 (not yet in the cluster's
      // gateway directory, docs/architecture.md).
      const ready = await fetch(`${url}/readyz`);
      if (!ready.ok) throw new Error(`/readyz answered ${ready.status}`);
      const restart = async () => {
        await stop();
        return startGateway({ timeoutMs, args, ports: [http, silo, gw] });
      };
      return { url, stop, restart, output: () => log };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the gateway did not answer within ${timeoutMs} ms:\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

let unique = 0;
/** A user id no other test run uses (the gateway's state outlives a test). */
export function uniqueName(prefix) {
  unique += 1;
  return `${prefix}_${Date.now().toString(36)}${unique}${Math.random().toString(36).slice(2, 6)}`;
}

/** Logs in and connects a ChatClient using the `ws` package as WebSocket. */
export async function connectUser(url, name, { openId = uniqueName(name.toLowerCase()), WebSocketImpl = WebSocket, Client = ChatClient, transport, ...options } = {}) {
  const session = await login(url, { openId, name });
  const client = new Client({
    baseUrl: url,
    token: session.token,
    transport: transport || createBrowserTransport({ WebSocket: WebSocketImpl }),
    ...options,
  });
  await client.connect();
  return client;
}

/** Resolves when predicate() is true, polling; rejects after timeoutMs with `what`. */
export async function eventually(predicate, what, timeoutMs = 10000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The next event of `type` on client matching predicate. */
export function nextEvent(client, type, predicate = () => true, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`no ${type} event within ${timeoutMs} ms`)); }, timeoutMs);
    const off = client.on(type, (...args) => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args[0]);
    });
  });
}

/**
 * One gateway for a test file: registers before/after hooks and returns {url, user(name, options), track(client)};
 * every client made through it is closed afterwards.
 */
export function gatewayForFile({ args } = {}) {
  let gateway = null;
  const clients = [];
  before(async () => {
    gateway = await startGateway({ args });
  });
  after(async () => {
    for (const c of clients) c.close();
    if (gateway) await gateway.stop();
  });
  const track = (client) => {
    clients.push(client);
    return client;
  };
  return {
    get url() {
      return gateway.url;
    },
    track,
    user: async (name, options) => track(await connectUser(gateway.url, name, options)),
  };
}
