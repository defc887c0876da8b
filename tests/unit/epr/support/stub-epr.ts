import type { Bundle, CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { EprRequestError } from '../../../../main/epr/epr-errors';
import type { CreateResult, EprConnection, RequestContext, TransportOptions } from '../../../../main/epr/fhir-client';

/**
 * A scripted EPR for filing tests: a faithful store by default (create keeps the resource, read
 * returns it, search finds nothing), any method's answer replaceable, every request recorded.
 */
export type Call = { method: 'capabilityStatement' | 'create' | 'update' | 'transaction' | 'search' | 'read' | 'readAttachment'; what: string; ifNoneExist?: string | undefined; ifMatch?: string | undefined; correlationId?: string | undefined };

export class StubEpr implements EprConnection {
  readonly baseUrl = 'https://epr.test/fhir';
  readonly calls: Call[] = [];
  readonly stored = new Map<string, Resource>();
  /** Each method's next answer, when scripted: a function of the call, or an error to throw. */
  readonly script: Partial<Record<Call['method'], ((call: Call, input: unknown) => unknown) | Error>> = {};
  private next = 0;

  /** Each transport configuration the runner set, in order. */
  readonly transports: TransportOptions[] = [];
  configure(transport: TransportOptions): void {
    this.transports.push(transport);
  }
  async capabilityStatement(context?: RequestContext): Promise<CapabilityStatement | undefined> {
    return this.run({ method: 'capabilityStatement', what: 'metadata', correlationId: context?.correlationId }, undefined, () => undefined);
  }

  private run<T>(call: Call, input: unknown, otherwise: () => T): T {
    this.calls.push(call);
    const scripted = this.script[call.method];
    if (scripted instanceof Error) throw scripted;
    if (scripted) return scripted(call, input) as T;
    return otherwise();
  }

  private keep(resource: Resource): CreateResult {
    const id = `${resource.resourceType === 'Provenance' ? 'prov' : 'doc'}-${++this.next}`;
    this.stored.set(`${resource.resourceType}/${id}`, { ...resource, id } as Resource);
    return { id, versionId: '1', created: true };
  }

  async transaction(bundle: Bundle, context?: RequestContext): Promise<CreateResult[]> {
    return this.run({ method: 'transaction', what: `${bundle.entry?.length} entries`, correlationId: context?.correlationId }, bundle, () => bundle.entry!.map((entry) => this.keep(entry.resource!)));
  }

  async create(resource: Resource, ifNoneExist: string | undefined, context?: RequestContext): Promise<CreateResult> {
    return this.run({ method: 'create', what: resource.resourceType, ifNoneExist, correlationId: context?.correlationId }, resource, () => this.keep(resource));
  }

  async update(resource: Resource & { id: string }, context?: RequestContext, ifMatch?: string): Promise<CreateResult> {
    return this.run({ method: 'update', what: `${resource.resourceType}/${resource.id}`, correlationId: context?.correlationId, ...(ifMatch ? { ifMatch } : {}) }, resource, () => {
      const key = `${resource.resourceType}/${resource.id}`;
      const created = !this.stored.has(key);
      this.stored.set(key, resource);
      return { id: resource.id, versionId: undefined, created };
    });
  }

  async search(resourceType: string, params: Readonly<Record<string, string>>, context?: RequestContext): Promise<Resource[]> {
    return this.run({ method: 'search', what: `${resourceType}?${Object.entries(params).map(([key, value]) => `${key}=${value}`).join('&')}`, correlationId: context?.correlationId }, params, () => []);
  }

  async read(resourceType: string, id: string, context?: RequestContext): Promise<Resource> {
    return this.run({ method: 'read', what: `${resourceType}/${id}`, correlationId: context?.correlationId }, id, () => {
      const found = this.stored.get(`${resourceType}/${id}`);
      if (!found) throw new EprRequestError('http', 404, undefined);
      return found;
    });
  }

  async readAttachment(url: string): Promise<Buffer> {
    return this.run({ method: 'readAttachment', what: url }, url, () => Buffer.from('bytes'));
  }
}


/** An HTTP failure as the FHIR client reports one. */
export const http = (status: number, reason?: string) => new EprRequestError('http', status, undefined, reason);
