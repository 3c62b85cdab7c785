import { AsyncLocalStorage } from 'node:async_hooks';

/** What is known about the request being handled, reachable from any code it calls. */
export interface RequestContext {
  traceId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export const currentTraceId = (): string | undefined => requestContext.getStore()?.traceId;
