/**
 * How a model server process is started: the `NODE_OPTIONS` of every `ferry serve` pod
 * (docs/architecture.md, "Running in a cluster"). V8 reads these flags only as the process
 * starts, so the server cannot set them for itself.
 *
 * - `--max-semi-space-size=4` caps V8's young generation at 4 MiB per semi-space, where
 *   Node 20 lets it grow to 16 MiB under load: a burst grows the heap by half as much.
 * - `--expose-gc` gives `ferry serve` the full collection it runs once a burst is over
 *   (`collectGarbage` in `serving/http/server.ts`). V8 shrinks its heap only in a
 *   collection, and an idle server runs none until V8's memory reducer gets to it, which
 *   that collection also sets off.
 *
 * Measured by `npm run bench serve`'s hostile-load row (100,000 bad requests among good
 * ones, RSS 99 MiB at start): with both flags RSS was 116 MiB as the load ended, 111 MiB
 * after the idle collection 5 s later and 99 MiB once the memory reducer followed, some 20 s
 * after that; with Node's defaults it was 142 MiB, and stayed there for a minute or more.
 * The bench's other rows show no cost in throughput or CPU per request.
 */
export const MODEL_SERVER_NODE_OPTIONS = '--max-semi-space-size=4 --expose-gc';
