import { demoState } from "./demo-state";

/**
 * Counts a feed stream in `demoState.openStreams` while it is open: +1 now, -1 once its body ends
 * or the browser goes away (Next cancels the body). A demo instrument: the page shows it, and the
 * browser test reads it to check that two tabs share one stream. Any other response passes as is.
 */
export function countOpenStream(recipient: string, response: Response): Response {
  const body = response.body;
  if (!body || !response.headers.get("content-type")?.startsWith("text/event-stream")) return response;
  demoState.openStreams[recipient] = (demoState.openStreams[recipient] ?? 0) + 1;
  let open = true;
  const closed = () => {
    if (!open) return;
    open = false;
    demoState.openStreams[recipient] = Math.max(0, (demoState.openStreams[recipient] ?? 1) - 1);
  };
  const reader = body.getReader();
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          closed();
          controller.close();
        } else controller.enqueue(value);
      } catch (error) {
        closed();
        controller.error(error);
      }
    },
    async cancel(reason) {
      closed();
      await reader.cancel(reason);
    },
  });
  return new Response(counted, { status: response.status, headers: response.headers });
}
