/** Splits text chunks into lines (LF or CRLF), in order; memory is bounded by the longest line. */
export async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let buffered = '';
  for await (const chunk of chunks) {
    buffered += chunk;
    let newline = buffered.indexOf('\n');
    while (newline !== -1) {
      yield buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  }
  if (buffered !== '') yield buffered;
}
