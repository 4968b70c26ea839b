import { describe, expect, it } from '@jest/globals';
import { selectorMatches } from './label-selector.js';

describe('selectorMatches (Kubernetes label selectors)', () => {
  const labels = { app: 'web', tier: 'front' };

  it('matches everything with an empty or absent selector', () => {
    expect(selectorMatches(undefined, labels)).toBe(true);
    expect(selectorMatches({}, {})).toBe(true);
  });

  it('ANDs matchLabels', () => {
    expect(selectorMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(selectorMatches({ matchLabels: { app: 'web', tier: 'back' } }, labels)).toBe(false);
  });

  it.each([
    ['In', ['web', 'api'], true],
    ['In', ['api'], false],
    ['NotIn', ['api'], true],
    ['NotIn', ['web'], false],
    ['Exists', undefined, true],
    ['DoesNotExist', undefined, false],
  ])('applies %s %j to app=web', (operator, values, expected) => {
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator, values }] }, labels)).toBe(expected);
  });

  it('lets NotIn and DoesNotExist match a pod without the label', () => {
    expect(selectorMatches({ matchExpressions: [{ key: 'role', operator: 'NotIn', values: ['db'] }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'role', operator: 'DoesNotExist' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'role', operator: 'In', values: ['db'] }] }, labels)).toBe(false);
  });

  it('combines matchLabels and matchExpressions, and refuses an unknown operator', () => {
    expect(selectorMatches({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'app', operator: 'Gt', values: ['1'] }] }, labels)).toBe(false);
  });
});
