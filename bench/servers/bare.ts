import { createServer } from 'node:http';

/** The baseline: a bare node:http server that reads the body and answers 200, nothing else. */
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"status":"ok"}');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.send?.({ port: (server.address() as { port: number }).port });
});
process.on('message', (m) => {
  if (m === 'stop') server.close(() => process.exit(0));
});
