/**
 * The inspector protocol's faulthandler channel, client side. When C code holds the GIL, no
 * Python thread of the agent can run, so the agent cannot send `loop.blocked`; instead it keeps
 * `faulthandler.dump_traceback_later` armed on a second connection, and the interpreter's own C
 * watchdog writes every thread's stack there as plain text while the loop is still blocked
 * (docs/inspector-protocol.md, "Faulthandler channel"). This module connects that channel,
 * gathers each dump and parses it; it knows nothing of DAP.
 */
import * as net from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { helloLine, type ConnectOptions } from './client';

export interface DumpFrame { path: string; line: number; function: string }
/** One thread of a dump: its ident as a decimal string (as the agent's `thread` fields), frames innermost first. */
export interface DumpThread { thread: string; current: boolean; frames: DumpFrame[] }

const THREAD = /^(Current thread|Thread) (0x[0-9a-fA-F]+) \(most recent call first\):\s*$/;
const FRAME = /^\s+File "(.*)", line (\d+) in (.*?)\s*$/;

/** Parses faulthandler's text (`Thread 0x... (most recent call first):` and `  File "p", line N in f` lines). */
export function parseDump(text: string): DumpThread[] {
  const threads: DumpThread[] = [];
  let cur: DumpThread | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const t = THREAD.exec(raw);
    if (t) {
      cur = { thread: BigInt(t[2]).toString(10), current: t[1] === 'Current thread', frames: [] };
      threads.push(cur);
      continue;
    }
    const f = FRAME.exec(raw);
    if (f && cur) cur.frames.push({ path: f[1], line: Number(f[2]), function: f[3] });
    else if (raw.trim() === '') cur = undefined;
  }
  return threads;
}

/** The thread running an asyncio event loop (a frame in asyncio's `base_events.py` `_run_once`), if any. */
export function loopThread(threads: readonly DumpThread[]): DumpThread | undefined {
  return threads.find((t) => t.frames.some((f) => f.function === '_run_once' && /[\\/]asyncio[\\/]base_events\.py$/.test(f.path)));
}

export interface FaulthandlerChannel { close(): void }

/**
 * Opens the channel; `onDump` gets each dump's text once no more of it has arrived for `quietMs`
 * (the C watchdog writes a dump in several writes). Rejects if the handshake fails.
 */
export function openFaulthandlerChannel(
  opts: ConnectOptions & { quietMs?: number },
  onDump: (text: string) => void,
): Promise<FaulthandlerChannel> {
  const quietMs = opts.quietMs ?? 100;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: opts.host, port: opts.port });
    const decoder = new StringDecoder('utf8');
    let welcomed = false;
    let pending = '';
    let flushTimer: NodeJS.Timeout | undefined;
    const flush = () => {
      flushTimer = undefined;
      const text = pending;
      pending = '';
      if (text.trim()) onDump(text);
    };
    const fail = (message: string) => { clearTimeout(timer); socket.destroy(); reject(new Error(message)); };
    const timer = setTimeout(() => fail('no welcome on the faulthandler channel'), opts.timeoutMs ?? 10_000);
    socket.on('connect', () => {
      socket.write(helloLine(opts, 'faulthandler'));
    });
    socket.on('error', (e) => { if (!welcomed) fail(e.message); });
    socket.on('close', () => {
      if (!welcomed) { fail('the agent closed the faulthandler channel during the handshake'); return; }
      if (flushTimer) { clearTimeout(flushTimer); flush(); }
    });
    socket.on('data', (chunk: Buffer) => {
      pending += decoder.write(chunk);
      if (!welcomed) {
        const nl = pending.indexOf('\n');
        if (nl < 0) return;
        let msg: { type?: string; message?: string } = {};
        try { msg = JSON.parse(pending.slice(0, nl)); } catch { /* not JSON: refused below */ }
        pending = pending.slice(nl + 1);
        if (msg.type !== 'welcome') { fail(`the agent refused the faulthandler channel: ${msg.message ?? 'no welcome'}`); return; }
        welcomed = true;
        clearTimeout(timer);
        resolve({ close: () => { if (flushTimer) clearTimeout(flushTimer); socket.destroy(); } });
      }
      if (pending && welcomed) {
        if (flushTimer) clearTimeout(flushTimer);
        flushTimer = setTimeout(flush, quietMs);
      }
    });
  });
}
