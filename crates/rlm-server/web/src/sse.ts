// Server-Sent Events over fetch(): EventSource cannot POST a question or send
// an Authorization header, so the stream is read from the response body and
// parsed by eventsource-parser. Each frame's data is `{"type", "data"}` JSON.
import { createParser } from 'eventsource-parser';

export interface Frame {
  id: number;
  event: string;
  data: unknown;
}

/** Calls `each` for every frame until the stream ends (or `signal` aborts). */
export async function readFrames(response: Response, each: (f: Frame) => void): Promise<void> {
  const body = response.body;
  if (!body) return;
  const parser = createParser({
    onEvent(e) {
      let parsed: { data?: unknown } = {};
      try {
        parsed = JSON.parse(e.data);
      } catch {
        return; // not one of ours
      }
      each({ id: Number(e.id ?? -1), event: e.event ?? 'message', data: parsed.data });
    },
  });
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parser.feed(value);
  }
}
