import { describe, expect, it } from 'vitest';
import { QuantityError, consumedAmount, formatQuantity, parseQuantity, violatesPolicy, type DeviceCapacity } from '../src/index.js';

const G = 1_000_000_000n;

describe('quantities', () => {
  it('reads every form the API server takes, in nano-units', () => {
    expect(parseQuantity('1')).toBe(G);
    expect(parseQuantity('500m')).toBe(G / 2n);
    expect(parseQuantity('16Gi')).toBe(16n * 2n ** 30n * G);
    expect(parseQuantity('2k')).toBe(2000n * G);
    expect(parseQuantity('1e3')).toBe(1000n * G);
    expect(parseQuantity('1.5')).toBe(3n * G / 2n);
    expect(parseQuantity('.5')).toBe(G / 2n);
    expect(parseQuantity('+7')).toBe(7n * G);
    expect(parseQuantity('1E')).toBe(10n ** 18n * G); // E alone is exa, not an exponent
  });

  it('rounds a value finer than a nano-unit up, as the API server does', () => {
    expect(parseQuantity('0.0000000001')).toBe(1n);
  });

  it('refuses what is not a quantity, and bounds the work a hostile one can cause', () => {
    for (const bad of ['', 'Gi', '1.2.3', '1x', '1 Gi', '1e999999', '1'.repeat(65), '--1']) expect(() => parseQuantity(bad), bad).toThrow(QuantityError);
  });

  it('formats whole multiples of 1024 with a binary suffix', () => {
    expect(formatQuantity(parseQuantity('1Gi'))).toBe('1Gi');
    expect(formatQuantity(parseQuantity('1000'))).toBe('1000');
    expect(formatQuantity(parseQuantity('0'))).toBe('0');
    expect(formatQuantity(parseQuantity('1500m'))).toBe('1500m');
  });
});

describe('consumed capacity (the scheduler rules)', () => {
  const q = (s: string) => parseQuantity(s);
  const queues: DeviceCapacity = { value: '64', requestPolicy: { default: '1', validRange: { min: '1', step: '1' } } };

  it('a request that does not name the capacity consumes the default, or the whole value without a policy', () => {
    expect(consumedAmount(undefined, queues)).toBe(q('1'));
    expect(consumedAmount(undefined, { value: '64' })).toBe(q('64'));
  });

  it('rounds up to min and to the next step', () => {
    expect(consumedAmount(q('500m'), queues)).toBe(q('1'));
    expect(consumedAmount(q('2.5'), queues)).toBe(q('3'));
    const by4: DeviceCapacity = { value: '64', requestPolicy: { default: '4', validRange: { min: '4', step: '4' } } };
    expect(consumedAmount(q('5'), by4)).toBe(q('8'));
  });

  it('rounds up to the next valid value, and keeps an amount above all of them (which then violates the policy)', () => {
    const sizes: DeviceCapacity = { value: '8', requestPolicy: { default: '1', validValues: ['1', '2', '4', '8'] } };
    expect(consumedAmount(q('3'), sizes)).toBe(q('4'));
    expect(consumedAmount(q('9'), sizes)).toBe(q('9'));
    expect(violatesPolicy(q('9'), sizes)).toBe(true);
    expect(violatesPolicy(q('4'), sizes)).toBe(false);
  });

  it('an amount above max violates the policy; without a policy nothing does', () => {
    const capped: DeviceCapacity = { value: '64', requestPolicy: { default: '1', validRange: { min: '1', max: '8' } } };
    expect(violatesPolicy(q('9'), capped)).toBe(true);
    expect(violatesPolicy(q('8'), capped)).toBe(false);
    expect(violatesPolicy(q('1000'), { value: '1' })).toBe(false);
  });
});
