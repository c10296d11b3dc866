import { describe, expect, it } from 'vitest';
import { IdleCollector } from '../../operator/src/serving/idle-collector.js';

const IDLE_MS = 200;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('IdleCollector', () => {
  it('collects once, idleMs after the last touch, and not again until touched', async () => {
    const collections: number[] = [];
    const collector = new IdleCollector(() => collections.push(performance.now()), IDLE_MS);
    let last = performance.now();
    for (let i = 0; i < 5; i++) {
      collector.touch();
      last = performance.now();
      await sleep(IDLE_MS / 10);
    }
    expect(collections).toEqual([]);
    await sleep(IDLE_MS * 3);
    expect(collections).toHaveLength(1);
    expect((collections[0] ?? 0) - last).toBeGreaterThanOrEqual(IDLE_MS - 2);
    await sleep(IDLE_MS * 2);
    expect(collections).toHaveLength(1);
    collector.touch();
    await sleep(IDLE_MS * 3);
    expect(collections).toHaveLength(2);
  });

  it('never collects until touched, nor after stop()', async () => {
    let collections = 0;
    const collector = new IdleCollector(() => (collections += 1), IDLE_MS);
    await sleep(IDLE_MS * 2);
    expect(collections).toBe(0);
    collector.touch();
    collector.stop();
    await sleep(IDLE_MS * 3);
    expect(collections).toBe(0);
  });
});
