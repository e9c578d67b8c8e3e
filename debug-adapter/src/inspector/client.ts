/**
 * The inspector wire, client side: a TCP connection to the agent, the `hello`/`welcome`
 * handshake with the session secret, requests correlated by id with timeouts, and typed events.
 * It knows nothing of DAP, sessions or processes.
 */
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { INSPECTOR_PROTOCOL, type EventName, type Events, type MethodName, type Params, type Result, type Welcome } from '../protocol/inspector';

/** A failed request: the agent's error code and message, or `timeout` / `closed`. */
export class InspectorError extends Error {
  constructor(readonly code: string, message: string) { super(message); }
}

export interface ConnectOptions { host: string; port: number; secret: string; timeoutMs?: number; client?: string }

/** The `hello` line a connection starts with (`channel`: see the faulthandler channel). */
export function helloLine(opts: ConnectOptions, channel?: 'faulthandler'): string {
  const hello: Record<string, string> = { type: 'hello', protocol: INSPECTOR_PROTOCOL, secret: opts.secret, client: opts.client ?? 'taskscope-debug-adapter' };
  if (channel) hello.channel = channel;
  return JSON.stringify(hello) + '\n';
}

interface Pending { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout; method: string }

export class InspectorClient {
  private readonly events = new EventEmitter();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closed = false;

  private constructor(private readonly socket: net.Socket, readonly welcome: Welcome) {
    socket.on('close', () => this.handleClose());
    socket.on('error', () => { /* 'close' follows */ });
  }

  /** Connects and completes the handshake; rejects with a message fit for a user. */
  static connect(opts: ConnectOptions): Promise<InspectorClient> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: opts.host, port: opts.port });
      const decoder = new StringDecoder('utf8');
      let buffer = '';
      let client: InspectorClient | undefined;
      const fail = (message: string) => { clearTimeout(timer); socket.destroy(); reject(new InspectorError('connect', message)); };
      const timer = setTimeout(() => fail(`No answer from the agent at ${opts.host}:${opts.port} within ${timeoutMs} ms`), timeoutMs);
      socket.setNoDelay(true);
      socket.on('connect', () => {
        socket.write(helloLine(opts));
      });
      socket.on('error', (e: NodeJS.ErrnoException) => {
        if (client) return;
        fail(e.code === 'ECONNREFUSED' ? `Nothing listens on ${opts.host}:${opts.port} (is the agent running in listen mode?)` : `Cannot connect to the agent at ${opts.host}:${opts.port}: ${e.message}`);
      });
      socket.on('close', () => { if (!client) fail(`The agent at ${opts.host}:${opts.port} closed the connection during the handshake`); });
      socket.on('data', (chunk: Buffer) => {
        buffer += decoder.write(chunk);
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (!line.trim()) continue;
          let msg: Record<string, unknown>;
          try { msg = JSON.parse(line); } catch { fail('The agent sent invalid JSON'); return; }
          if (client) { client.onMessage(msg); continue; }
          if (msg.type === 'welcome') {
            clearTimeout(timer);
            client = new InspectorClient(socket, msg as unknown as Welcome);
            resolve(client);
          } else if (msg.type === 'refused') {
            fail(`The agent refused the connection (${String(msg.reason)}): ${String(msg.message)}`);
            return;
          }
        }
      });
    });
  }

  get isClosed(): boolean { return this.closed; }

  request<M extends MethodName>(method: M, params?: Params<M>, timeoutMs = 10_000): Promise<Result<M>> {
    if (this.closed) return Promise.reject(new InspectorError('closed', 'The agent is gone'));
    const id = this.nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new InspectorError('timeout', `The agent did not answer ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, method });
      this.socket.write(JSON.stringify({ type: 'request', id, method, params: params ?? {} }) + '\n');
    });
  }

  on<E extends EventName>(event: E, listener: (body: Events[E]) => void): this {
    this.events.on(event, listener);
    return this;
  }

  onClose(listener: () => void): void { this.events.on('$close', listener); }

  close(): void { this.socket.end(); this.socket.destroy(); }

  private onMessage(msg: Record<string, unknown>): void {
    if (msg.type === 'response' && typeof msg.id === 'number') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      clearTimeout(p.timer);
      if (msg.ok) p.resolve(msg.result ?? {});
      else {
        const err = (msg.error ?? {}) as { code?: string; message?: string };
        p.reject(new InspectorError(err.code ?? 'internal', err.message ?? `${p.method} failed`));
      }
    } else if (msg.type === 'event' && typeof msg.event === 'string') {
      this.events.emit(msg.event, msg.body ?? {});
    }
  }

  private handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) { clearTimeout(p.timer); p.reject(new InspectorError('closed', `The agent went away before answering ${p.method}`)); }
    this.pending.clear();
    this.events.emit('$close');
  }
}
