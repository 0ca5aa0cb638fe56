/**
 * The Node.js flags the engine runs with in production: the Dockerfile's CMD, `npm start` and
 * `npm run engine` pass them, and the benchmark starts the engine with them too, so what is
 * measured is what ships (scripts/compose.test.ts checks the first three against this list).
 *
 * --max-semi-space-size=32: a young generation of 2 × 32 MB instead of V8's 2 × 16 MB. Setting up
 * a call allocates about 750 KB (fetch, ARI events, logger children, the greeting), nearly all
 * of it garbage within a second (estimated from how fast the young generation filled in a
 * ramp). At 25 new calls a second the default young generation filled every 0.5 s; what was
 * still in flight was copied, then promoted, and the old generation reached its next limit so
 * often that V8 ran a mark-compact about every second through the ramp. With 32 MB, on the
 * silent 300 → 500 step of `npm run bench -- engine-load` (2 cores, 5 alternating runs each):
 * GC pauses 24 → 12, bind p99 a median of 44 → 24 ms, engine RSS at 500 calls about
 * 180 → 220 MB.
 *
 * --heap-growing-percent=100: after a mark-compact the old generation may grow to twice what
 * survived it (plus the young generation's size) before the next, instead of by V8's own factor.
 * With V8's factor, 500 streaming callers held the old generation flat at 33 MB and yet V8
 * started incremental marking after every other scavenge: a mark-compact every 0.7 s (--trace-gc:
 * 53 in one run, pauses of 5-22 ms plus marking steps of up to 12 ms), and those pauses were the
 * engine's event-loop delay p99, 57-64 ms in 3 runs. With this flag, 3 runs alternating with
 * those: p99 5.6-16.4 ms, CPU 88-94% of a core instead of 100-102%, RSS 232-238 MB instead of
 * 209-213 (about 19 mark-compacts a run). Those runs were on Node 20; on Node 22, what the images
 * run, 2 alternating runs each: 18 mark-compacts a run instead of 53, p99 6.8-9.0 ms instead of
 * 29.8-32.2.
 */
export const ENGINE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32', '--heap-growing-percent=100'];
