import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * How deeply a JSON body may nest. Real payloads (Alertmanager, Grafana, PagerDuty custom_details) nest a
 * handful of levels; 100,000 levels in a 200 KB body overflowed the stack in JSON.stringify and zod, which
 * answered 500, and senders retry 5xx for ever.
 */
export const MAX_JSON_DEPTH = 64;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...closeIfBodyUnread(res),
    ...headers,
  });
  res.end(text);
}

/**
 * To reuse a connection, Node reads and discards whatever is left of a body the answer did not wait for (a 401
 * for a wrong key, a 404, a 413). That is bounded only when the body declared a length within the limit; a
 * chunked or oversized upload could be read for ever, so the answer closes the connection instead.
 */
function closeIfBodyUnread(res: ServerResponse): Record<string, string> {
  const req = res.req;
  if (!req || req.complete) return {};
  const unbounded = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES;
  return unbounded ? { connection: 'close' } : {};
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: err.code, message: err.message, ...err.extra });
}

function payloadTooLarge(message: string): HttpError {
  return new HttpError(413, 'payload_too_large', message);
}

/**
 * Reads the body as bytes, counting what actually arrives (a chunked body declares no length). At the limit
 * it stops reading and refuses (413): the 413 answer closes the connection, so the rest of the upload is
 * never read, let alone buffered.
 */
export function readBodyBytes(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(payloadTooLarge(`the body is ${declared} bytes; the limit is ${limit}`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stopListening = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stopListening();
      req.pause();
      reject(payloadTooLarge(`the body exceeds the limit of ${limit} bytes`));
    };
    const onEnd = () => {
      stopListening();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      stopListening();
      reject(err);
    };
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onError);
  });
}

/** Reads the body as UTF-8 text, with the limit of readBodyBytes. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  return (await readBodyBytes(req, limit)).toString('utf8');
}

/**
 * How deeply `text` nests arrays and objects, stopping as soon as it passes `max`. One pass over the text
 * without recursion, so it is safe on any input and runs before anything recursive sees the value.
 */
export function jsonNestingExceeds(text: string, max = MAX_JSON_DEPTH): boolean {
  // Nesting deeper than `max` takes more than `max` opening brackets: counting them (native indexOf) spares the
  // character-by-character walk for nearly every real body.
  let opened = 0;
  for (const bracket of ['{', '[']) {
    for (let i = text.indexOf(bracket); i !== -1 && opened <= max; i = text.indexOf(bracket, i + 1)) opened += 1;
  }
  if (opened <= max) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (++depth > max) return true;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) depth--;
  }
  return false;
}

export function tooDeeplyNested(max = MAX_JSON_DEPTH): HttpError {
  return new HttpError(400, 'too_deeply_nested', `the body nests arrays or objects more than ${max} levels deep`);
}

/** Parses a JSON body: 400 when it is not JSON or nests deeper than MAX_JSON_DEPTH. */
export function parseJson(text: string): unknown {
  if (jsonNestingExceeds(text)) throw tooDeeplyNested();
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

/** "alerts[0].fingerprint": where in the payload a problem is. */
export function issuePath(path: PropertyKey[]): string {
  return (
    path.reduce<string>((out, p) => (typeof p === 'number' ? `${out}[${p}]` : out ? `${out}.${String(p)}` : String(p)), '') || '(body)'
  );
}
