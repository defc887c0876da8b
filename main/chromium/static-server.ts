import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readStaticFile } from '../security/static-files';

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

/**
 * Serves the built renderer on 127.0.0.1 for the Chromium host, with the same headers (CSP
 * included) as Electron's app:// protocol. It serves files only; IPC never goes over HTTP.
 */
export async function startStaticServer(root: string): Promise<StaticServer> {
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    void readStaticFile(root, path).then((file) => {
      response.writeHead(file.status, { ...file.headers, 'Cache-Control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : file.body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
