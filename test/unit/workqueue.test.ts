/**
 * The controller's work queue (src/controller/workqueue.ts): deduplication, one worker per key, parallel workers on
 * distinct keys, per-key exponential backoff with a cap, delayed adds and shutdown.
 */
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { WorkQueue } from '../../src/controller/workqueue.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const PENDING: unique symbol = Symbol('pending');

/** The value of `p` if it settles within `ms`, else PENDING (p keeps waiting). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  return Promise.race([p, sleep(ms).then((): typeof PENDING => PENDING)]);
}

/** Milliseconds until `p` resolves, with its value. */
async function timed<T>(p: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await p;
  return { value, ms: performance.now() - start };
}

describe('WorkQueue', () => {
  let q: WorkQueue;
  let depths: number[];

  beforeEach(() => {
    depths = [];
    q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 40, onDepth: (d) => depths.push(d) });
  });
  // Resolves any get() a test left waiting and clears pending timers.
  afterEach(() => q.shutdown());

  describe('deduplication and in-flight keys', () => {
    it('queues a key added twice only once', async () => {
      q.add('a');
      q.add('a');
      expect(q.depth).to.equal(1);
      expect(await q.get()).to.equal('a');
      expect(q.depth).to.equal(0);
      expect(await within(q.get(), 30)).to.equal(PENDING);
    });

    it('keeps the order in which distinct keys were added', async () => {
      q.add('a');
      q.add('b');
      q.add('a');
      q.add('c');
      expect([await q.get(), await q.get(), await q.get()]).to.deep.equal(['a', 'b', 'c']);
    });

    it('does not hand a key in flight to a second worker, but processes it once more after done', async () => {
      q.add('a');
      expect(await q.get()).to.equal('a');

      q.add('a'); // changed again while a worker is on it
      expect(q.depth, 'not queued while in flight').to.equal(0);
      const second = q.get();
      expect(await within(second, 30), 'a second worker does not get the key in flight').to.equal(PENDING);

      q.done('a');
      expect(await within(second, 30), 'after done it is processed once more').to.equal('a');

      q.done('a');
      expect(await within(q.get(), 30), 'and only once').to.equal(PENDING);
    });

    it('collapses several adds while in flight into one more run', async () => {
      q.add('a');
      await q.get();
      q.add('a');
      q.add('a');
      q.add('a');
      q.done('a');
      expect(q.depth).to.equal(1);
      expect(await q.get()).to.equal('a');
      q.done('a');
      expect(q.depth).to.equal(0);
    });

    it('does not requeue a key that was not added again while in flight', async () => {
      q.add('a');
      await q.get();
      q.done('a');
      expect(q.depth).to.equal(0);
      expect(await within(q.get(), 30)).to.equal(PENDING);
    });
  });

  describe('parallel workers', () => {
    it('lets distinct keys be in flight at the same time', async () => {
      q.add('a');
      q.add('b');
      q.add('c');
      // Three workers take a key each without any done() in between.
      const keys = await Promise.all([q.get(), q.get(), q.get()]);
      expect(keys).to.have.members(['a', 'b', 'c']);
    });

    it('wakes waiting workers with distinct keys as they are added', async () => {
      const w1 = q.get();
      const w2 = q.get();
      const w3 = q.get();
      q.add('a');
      q.add('a'); // in flight with w1 now: must not wake w2
      q.add('b');
      expect(await w1).to.equal('a');
      expect(await w2).to.equal('b');
      expect(await within(w3, 30)).to.equal(PENDING);
      expect(q.depth).to.equal(0);
    });
  });

  describe('retry and backoff', () => {
    it('doubles the delay from the base on each failure and caps it at maxDelayMs', () => {
      const delays = [1, 2, 3, 4, 5].map(() => q.retry('a'));
      expect(delays).to.deep.equal([10, 20, 40, 40, 40]);
    });

    it('keeps the backoff of each key apart', () => {
      expect([q.retry('a'), q.retry('a'), q.retry('b'), q.retry('a')]).to.deep.equal([10, 20, 10, 40]);
    });

    it('requeues the key only after the delay', async () => {
      const delay = q.retry('a');
      expect(q.depth).to.equal(0);
      const { value, ms } = await timed(q.get());
      expect(value).to.equal('a');
      expect(ms).to.be.at.least(delay - 2);
    });

    it('starts again from the base delay after forget', () => {
      q.retry('a');
      q.retry('a');
      expect(q.retry('a')).to.equal(40);
      q.forget('a');
      expect(q.retry('a')).to.equal(10);
      expect(q.retry('a')).to.equal(20);
    });

    it('forget of one key leaves the backoff of another', () => {
      q.retry('a');
      q.retry('b');
      q.forget('a');
      expect(q.retry('a')).to.equal(10);
      expect(q.retry('b')).to.equal(20);
    });
  });

  describe('addAfter', () => {
    it('adds the key only after the delay', async () => {
      q.addAfter('a', 50);
      expect(q.depth).to.equal(0);
      await sleep(15);
      expect(q.depth, 'not yet').to.equal(0);
      const { value, ms } = await timed(q.get());
      expect(value).to.equal('a');
      expect(ms).to.be.at.least(50 - 15 - 2);
    });

    it('keeps an earlier pending delay for the same key', async () => {
      q.addAfter('a', 20);
      q.addAfter('a', 5_000);
      const got = await within(q.get(), 500);
      expect(got).to.equal('a');
    });

    it('queues a delayed key once when it is added directly in the meantime', async () => {
      q.addAfter('a', 20);
      q.add('a');
      await sleep(40);
      expect(q.depth).to.equal(1);
    });
  });

  describe('shutdown', () => {
    it('resolves pending get() calls with undefined', async () => {
      const w1 = q.get();
      const w2 = q.get();
      q.shutdown();
      expect(await w1).to.equal(undefined);
      expect(await w2).to.equal(undefined);
    });

    it('returns undefined from get() afterwards, even with keys left in the queue', async () => {
      q.add('a');
      q.shutdown();
      expect(await q.get()).to.equal(undefined);
    });

    it('ignores adds and cancels delayed adds', async () => {
      q.addAfter('a', 10);
      q.shutdown();
      q.add('b');
      q.addAfter('c', 1);
      await sleep(30);
      expect(q.depth).to.equal(0);
    });
  });

  describe('onDepth', () => {
    it('reports the depth as keys are added and taken', async () => {
      q.add('a');
      q.add('b');
      q.add('a'); // duplicate: no change, no report
      await q.get();
      await q.get();
      expect(depths).to.deep.equal([1, 2, 1, 0]);
    });

    it('does not count a key handed straight to a waiting worker', async () => {
      const w = q.get();
      q.add('a');
      expect(await w).to.equal('a');
      expect(q.depth).to.equal(0);
      expect(depths).to.deep.equal([]);
    });
  });
});
