import { describe, expect, it } from 'vitest';
import { PortAllocator } from './ports.js';

describe('PortAllocator', () => {
  it('hands out even ports whose odd neighbour is in range', () => {
    const p = new PortAllocator(10001, 10010); // pairs 10002, 10004, 10006, 10008 (10010 has no 10011)
    expect(p.capacity).toBe(4);
    expect(p.allocate(4)).toEqual([10002, 10004, 10006, 10008]);
    expect(() => p.allocate(1)).toThrow(expect.objectContaining({ code: 'MEDIA_PORTS_EXHAUSTED', kind: 'unavailable' }));
  });

  it('never hands out a port twice until freed, and reuses freed ports last', () => {
    const p = new PortAllocator(20000, 20007); // 20000, 20002, 20004, 20006
    const [x, y] = p.allocate(2);
    expect([x, y]).toEqual([20000, 20002]);
    p.free(20000);
    expect(p.allocate(1)).toEqual([20004]);
    expect(p.allocate(1)).toEqual([20006]);
    expect(p.allocate(1)).toEqual([20000]); // wrapped around to the freed one
    expect(() => p.allocate(1)).toThrow(expect.objectContaining({ code: 'MEDIA_PORTS_EXHAUSTED' }));
    expect(p.inUse).toBe(4);
  });

  it('allocates all or nothing', () => {
    const p = new PortAllocator(30000, 30005);
    p.allocate(2);
    expect(() => p.allocate(2)).toThrow(expect.objectContaining({ code: 'MEDIA_PORTS_EXHAUSTED' }));
    expect(p.inUse).toBe(2);
    expect(p.allocate(1)).toEqual([30004]);
  });

  it('an empty range has no capacity', () => {
    expect(new PortAllocator(5001, 5001).capacity).toBe(0);
  });
});
