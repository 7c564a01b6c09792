import { WorkQueue } from '../../../src/reconciler/queue';

/** Takes every key handed out right now, marking each done. */
async function drain(q: WorkQueue): Promise<string[]> {
  const out: string[] = [];
  while (q.length > 0) {
    const key = (await q.get())!;
    out.push(key);
    q.done(key);
  }
  return out;
}

describe('WorkQueue', () => {
  test('a key is queued once however often it is added; keys come out first in, first out', async () => {
    const q = new WorkQueue();
    for (const k of ['a', 'b', 'a', 'c', 'b', 'a']) q.add(k);
    expect(q.length).toBe(3);
    expect(await drain(q)).toEqual(['a', 'b', 'c']);
  });

  test('a key being processed is not handed out again; added meanwhile, it comes back once done', async () => {
    const q = new WorkQueue();
    q.add('a');
    const first = await q.get();
    q.add('a');
    q.add('a');
    expect([first, q.length, q.inFlight]).toEqual(['a', 0, 1]);
    const next = q.get();
    q.done('a');
    expect(await next).toBe('a');
    q.done('a');
    expect(q.length).toBe(0);
  });

  test('a waiting get receives the next key added', async () => {
    const q = new WorkQueue();
    const waiting = q.get();
    q.add('x');
    expect(await waiting).toBe('x');
  });

  test.each([
    [
      'high before normal',
      [
        ['n1', 'normal'],
        ['h1', 'high'],
        ['n2', 'normal'],
        ['h2', 'high'],
      ],
      ['h1', 'h2', 'n1', 'n2'],
    ],
    [
      'a normal key added again as high moves up, once',
      [
        ['n1', 'normal'],
        ['n2', 'normal'],
        ['n2', 'high'],
      ],
      ['n2', 'n1'],
    ],
    [
      'a high key added again as normal stays high',
      [
        ['n1', 'normal'],
        ['h1', 'high'],
        ['h1', 'normal'],
      ],
      ['h1', 'n1'],
    ],
    [
      'urgent before high before normal',
      [
        ['n1', 'normal'],
        ['h1', 'high'],
        ['u1', 'urgent'],
        ['h2', 'high'],
        ['u2', 'urgent'],
      ],
      ['u1', 'u2', 'h1', 'h2', 'n1'],
    ],
    [
      'a normal or high key added again as urgent moves up, once; urgent added again as high stays',
      [
        ['n1', 'normal'],
        ['h1', 'high'],
        ['h2', 'high'],
        ['u1', 'urgent'],
        ['n1', 'urgent'],
        ['h2', 'urgent'],
        ['u1', 'high'],
        ['n1', 'high'],
      ],
      ['u1', 'n1', 'h2', 'h1'],
    ],
  ] as const)('priorities: %s', async (_name, adds, expected) => {
    const q = new WorkQueue();
    for (const [key, priority] of adds) q.add(key, priority);
    expect(await drain(q)).toEqual(expected);
  });

  test('a key added as high while processing comes back as high', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = (await q.get())!;
    q.add('b');
    q.add('a', 'high');
    q.done(key);
    expect(await drain(q)).toEqual(['a', 'b']);
  });

  test('failures back off exponentially per key, up to the cap; success forgets them', () => {
    jest.useFakeTimers();
    try {
      const q = new WorkQueue({ baseDelayMs: 100, maxDelayMs: 1000 });
      const delays = Array.from({ length: 6 }, () => q.addRateLimited('a'));
      expect(delays).toEqual([100, 200, 400, 800, 1000, 1000]);
      expect(q.failuresOf('a')).toBe(6);
      expect(q.addRateLimited('b')).toBe(100);
      q.forget('a');
      expect(q.addRateLimited('a')).toBe(100);
    } finally {
      jest.useRealTimers();
    }
  });

  test('a delayed key is queued when its delay passes; the earliest of two delays wins', () => {
    jest.useFakeTimers();
    try {
      const q = new WorkQueue();
      q.addAfter('a', 500);
      q.addAfter('a', 200);
      q.addAfter('a', 900);
      jest.advanceTimersByTime(199);
      expect(q.length).toBe(0);
      jest.advanceTimersByTime(1);
      expect(q.length).toBe(1);
      jest.advanceTimersByTime(1000);
      expect(q.length).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  test('shut down: waiting gets end, nothing more is handed out or queued; drained waits for work in flight', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = (await q.get())!;
    const waiting = q.get();
    let drained = false;
    const done = q.drained().then(() => (drained = true));
    q.shutDown();
    q.add('c');
    expect(await waiting).toBeUndefined();
    expect(await q.get()).toBeUndefined();
    expect(drained).toBe(false);
    q.done(key);
    await done;
    expect(drained).toBe(true);
  });

  test('each key handed out reports its lane and how long it waited since it was ready to be', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const waited: [string, number][] = [];
      const q = new WorkQueue({ onWaited: (lane, ms) => waited.push([lane, ms]) });
      q.add('new-1');
      q.add('new-2');
      jest.advanceTimersByTime(40);
      q.add('node-ready', 'high');
      jest.advanceTimersByTime(10);
      // Moved up: it waits from the moment it became urgent, not from its first add.
      q.add('new-2', 'high');
      jest.advanceTimersByTime(5);
      const order = [await q.get(), await q.get(), await q.get()];
      const waiting = q.get();
      q.add('handed-at-once');
      expect(await waiting).toBe('handed-at-once');
      expect(order).toEqual(['node-ready', 'new-2', 'new-1']);
      expect(waited).toEqual([
        ['high', 15],
        ['high', 5],
        ['normal', 55],
        ['normal', 0],
      ]);
    } finally {
      jest.useRealTimers();
    }
  });
});
