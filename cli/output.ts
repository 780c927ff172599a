// The CLI's standard streams: a reader that goes away (`| head`, `| less` quitting) ends output quietly.
//
// Writing to a pipe whose reader has gone fails with EPIPE, which Node reports as an 'error' event on the
// stream and, with nobody listening, turns into a crash with a stack trace. The CLI listens once, for
// every command: from the first EPIPE on, that stream's writes are dropped, and the command ends with the
// exit code it would have had (a run still runs to its end, so `run ... | head` still exits 69 at the limit).

type Stream = NodeJS.WriteStream;

/** The streams whose reader has gone. */
const gone = new WeakSet<Stream>();

/** Make a closed stdout or stderr end output quietly instead of crashing the CLI. */
export function guardStdio(streams: readonly Stream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams)
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
      if (gone.has(stream)) return;
      gone.add(stream);
      // Nobody reads what follows: drop it rather than fail on every write.
      stream.write = ((_chunk: unknown, encoding?: unknown, cb?: unknown) => {
        const done = typeof encoding === 'function' ? encoding : cb;
        if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
        return true;
      }) as Stream['write'];
    });
}
