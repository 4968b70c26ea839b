import { describe, expect, it } from '@jest/globals';
import { deterministicUuid, objectUuid, Roles } from './object-uuid.js';

describe('objectUuid (docs/kubemanager.md §1)', () => {
  const uid = '5f0c2f2e-0d1a-4c4e-9b55-1f2a3b4c5d6e';

  it('is the same for the same cluster, role and UID, in every run', () => {
    expect(objectUuid('east', Roles.interface(0), uid)).toBe(objectUuid('east', 'vmi', uid));
    // Pinned: a change here renames every object a running kubemanager owns.
    expect(objectUuid('east', 'vmi', uid)).toBe('994504c2-90bd-5704-89c9-35bdd5df60a0');
  });

  it('is a version-5-shaped RFC 4122 uuid', () => {
    expect(objectUuid('east', 'sg', uid)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('differs by cluster, by role and by UID', () => {
    const all = [
      objectUuid('east', 'vmi', uid),
      objectUuid('west', 'vmi', uid),
      objectUuid('east', 'iip', uid),
      objectUuid('east', Roles.interface(1), uid),
      objectUuid('east', Roles.interface(2), uid),
      objectUuid('east', 'vmi', uid.replace('5f0c', '5f0d')),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it('cannot be forged by moving text between the parts', () => {
    expect(deterministicUuid('a', 'bc')).not.toBe(deterministicUuid('ab', 'c'));
  });
});
