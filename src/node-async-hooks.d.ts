/**
 * The one node:async_hooks class the Worker uses (nodejs_compat provides it at run
 * time): the request id travels with the request through AsyncLocalStorage. Declared
 * here rather than pulling all of @types/node into the Workers type check.
 */
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
