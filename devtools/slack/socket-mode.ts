import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Answer } from './web-api.js';

/**
 * Socket Mode as Slack's server plays it: apps.connections.open (with the app-level token) hands out a
 * WebSocket URL; the app connects, gets a hello, and acknowledges each envelope sent to it.
 */
export class SocketMode {
  private readonly sockets = new Set<WebSocket>();
  private readonly socketServer = new WebSocketServer({ noServer: true });
  private envelopeCounter = 0;

  constructor(private readonly url: string) {}

  get connected(): boolean {
    return this.sockets.size > 0;
  }

  /** apps.connections.open: Socket Mode's first call, made with the app-level token rather than the bot token. */
  open(req: IncomingMessage): Answer {
    const token = /^Bearer\s+(.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!token) return { ok: false, error: 'not_authed' };
    if (!token.startsWith('xapp-')) return { ok: false, error: 'not_allowed_token_type' };
    return { ok: true, url: `${this.url.replace(/^http/, 'ws')}/socket-mode` };
  }

  /** The HTTP server's upgrade event: the app connects to the URL that open() handed out. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (new URL(req.url ?? '/', this.url).pathname !== '/socket-mode') return void socket.destroy();
    this.socketServer.handleUpgrade(req, socket, head, (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: this.sockets.size,
          connection_info: { app_id: 'A0BATON' },
          debug_info: { host: 'standin', approximate_connection_time: 3600 },
        }),
      );
    });
  }

  /** Delivers an envelope to the connected app and resolves with its acknowledgement's payload. */
  sendEnvelope(
    type: 'slash_commands' | 'interactive' | 'events_api',
    payload: Record<string, unknown>,
    timeoutMs = 3000,
  ): Promise<Record<string, unknown>> {
    const socket = [...this.sockets][0];
    if (!socket) return Promise.reject(new Error('no app is connected in Socket Mode'));
    this.envelopeCounter += 1;
    const envelopeId = `env-${this.envelopeCounter}-${randomBytes(3).toString('hex')}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.off('message', onMessage);
        reject(new Error(`the app did not acknowledge envelope ${envelopeId} within ${timeoutMs} ms (Slack requires 3 s)`));
      }, timeoutMs);
      const onMessage = (data: Buffer) => {
        const ack = JSON.parse(data.toString('utf8')) as { envelope_id?: string; payload?: Record<string, unknown> };
        if (ack.envelope_id !== envelopeId) return;
        clearTimeout(timer);
        socket.off('message', onMessage);
        resolve(ack.payload ?? {});
      };
      socket.on('message', onMessage);
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== 'events_api',
          retry_attempt: 0,
          retry_reason: '',
        }),
      );
    });
  }

  /** Drops every connection (before the HTTP server closes). */
  close(): void {
    for (const ws of this.sockets) ws.terminate();
    this.socketServer.close();
  }
}
