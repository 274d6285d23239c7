/**
 * A minimal Chrome DevTools Protocol client for the Worker's inspector (`wrangler dev
 * --inspector-port`): one WebSocket to the one target it lists, commands answered by id.
 * Node 22's global WebSocket; wrangler's inspector proxy accepts a loopback Origin.
 */

export interface DevtoolsSession {
  send<T = unknown>(method: string, params?: Record<string, unknown>): Promise<T>;
  close(): void;
}

export async function connectDevtools(inspectorPort: number): Promise<DevtoolsSession> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`The inspector on port ${inspectorPort} lists no target`);
  // Node's WebSocket (undici) takes headers as an extension of the standard constructor.
  const Socket = WebSocket as unknown as new (url: string, init: { headers: Record<string, string> }) => WebSocket;
  const ws = new Socket(url, { headers: { origin: "http://127.0.0.1" } });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("close", (event) => reject(new Error(`The inspector closed the connection (${event.code} ${event.reason})`)), { once: true });
  });
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : pending.get(message.id);
    if (!waiter) return; // an event, or an answer to the proxy's own keep-alive
    pending.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  });
  ws.addEventListener("close", () => {
    for (const waiter of pending.values()) waiter.reject(new Error("The inspector connection closed"));
    pending.clear();
  });
  return {
    send: <T>(method: string, params: Record<string, unknown> = {}) =>
      new Promise<T>((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}
