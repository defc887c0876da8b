import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RENDERER_RESPONSE_HEADERS } from '../security/policy';
import { readStaticFile } from '../security/static-files';

export interface StaticServer {
  readonly origin: string;
  /** Starts serving the renderer (see `startClosed`). */
  open(): void;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** Answer 503 "starting" until open() is called: the host is not ready for the page yet. */
  readonly startClosed?: boolean;
}

const STARTING_PAGE = Buffer.from('Wardscribe is starting…');

/**
 * Serves the built renderer on 127.0.0.1 for the Chromium host, with the same headers (CSP
 * included) as Electron's app:// protocol. It serves files only; IPC never goes over HTTP.
 */
export async function startStaticServer(root: string, options: StaticServerOptions = {}): Promise<StaticServer> {
  let serving = options.startClosed !== true;
  const server: Server = createServer((request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405).end();
      return;
    }
    if (!serving) {
      response.writeHead(503, { ...RENDERER_RESPONSE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' }).end(STARTING_PAGE);
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
    open: () => {
      serving = true;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
