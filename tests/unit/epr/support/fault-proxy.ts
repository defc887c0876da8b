import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the proxy does with one request. */
export type Fault =
  | { readonly kind: 'pass' }
  /** Never answers (the client times out); the request is not forwarded. */
  | { readonly kind: 'hang' }
  /** Closes the connection without forwarding. */
  | { readonly kind: 'drop-before' }
  /** Forwards, lets the server commit, then closes the connection without answering. */
  | { readonly kind: 'drop-after' }
  /** Answers itself without forwarding. */
  | { readonly kind: 'respond'; readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  /**
   * Forwards and lets the server apply the request, then answers with this refusal instead of
   * the server's answer (an authorisation check on the response, HAPI's AuthorizationInterceptor
   * as in hapi-fhir#4612; a gateway refusing after the backend committed).
   */
  | { readonly kind: 'apply-then-respond'; readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }
  /** Forwards, then rewrites the server's response body. */
  | { readonly kind: 'rewrite'; readonly rewrite: (body: string) => string }
  /**
   * The server is still writing: the request is taken in at once and committed `delayMs` later
   * (by then the client may have given up). `conditionCheckedEarly`: its If-None-Exist was
   * evaluated on arrival and passed, so the late commit is not conditional any more (HAPI #3141,
   * Microsoft fhir-server #1382: the check and the write are not atomic).
   */
  | { readonly kind: 'slow-commit'; readonly delayMs: number; readonly conditionCheckedEarly?: boolean };

export interface ProxiedRequest {
  readonly method: string;
  /** Path and query, without the base path. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export interface FaultProxy {
  readonly baseUrl: string;
  /** Every request seen, in order. */
  readonly seen: ProxiedRequest[];
  close(): Promise<void>;
}

/**
 * A real HTTP proxy in front of the training EPR that injects faults chosen per request by `decide`.
 * `target` is the training server's base URL; the proxy serves the same path.
 */
export async function startFaultProxy(target: string, decide: (request: ProxiedRequest, index: number) => Fault): Promise<FaultProxy> {
  const targetUrl = new URL(target);
  const seen: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((incoming, outgoing) => {
    const described: ProxiedRequest = { method: incoming.method ?? 'GET', path: incoming.url ?? '/', headers: incoming.headers };
    const fault = decide(described, seen.length);
    seen.push(described);
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      if (fault.kind === 'hang') return;
      if (fault.kind === 'drop-before') return void incoming.socket.destroy();
      if (fault.kind === 'respond') return void refuseWith(outgoing, fault);
      if (fault.kind === 'slow-commit') return void setTimeout(() => forward(), fault.delayMs);
      forward();
    });
    const forward = (): void => {
      const forwarded = httpRequest(
        { host: targetUrl.hostname, port: targetUrl.port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: targetUrl.host } },
        (response) => {
          const body: Buffer[] = [];
          response.on('data', (chunk: Buffer) => body.push(chunk));
          response.on('end', () => {
            if (fault.kind === 'drop-after') return void incoming.socket.destroy();
            if (fault.kind === 'apply-then-respond') return void refuseWith(outgoing, fault);
            let text = Buffer.concat(body).toString('utf8');
            if (fault.kind === 'rewrite') text = fault.rewrite(text);
            const headers = { ...response.headers, 'content-length': String(Buffer.byteLength(text)) };
            outgoing.writeHead(response.statusCode ?? 502, headers);
            outgoing.end(text);
          });
        },
      );
      forwarded.on('error', () => incoming.socket.destroy());
      forwarded.end(Buffer.concat(chunks));
    };
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${targetUrl.pathname}`,
    seen,
    close: () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

/** Answers with a fault's status and body (an OperationOutcome unless it gives one). */
export function refuseWith(outgoing: ServerResponse, fault: { readonly status: number; readonly headers?: Record<string, string>; readonly body?: string }): void {
  outgoing.writeHead(fault.status, { 'Content-Type': 'application/fhir+json', ...fault.headers });
  outgoing.end(fault.body ?? JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] }));
}
