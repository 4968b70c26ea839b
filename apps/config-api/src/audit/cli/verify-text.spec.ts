import { describe, expect, it } from '@jest/globals';
import type { VerifyReport } from '#libs/projections';
import { verifyText } from './state-commands.js';

const config = { ok: true, position: 42, liveDigest: 'aaa', rebuiltDigest: 'aaa', objects: 1 };

describe('verifyText', () => {
  it('says ok for each projection that agrees with its replay', () => {
    const report: VerifyReport = {
      ...config,
      projections: [
        { projection: 'config', ...config },
        { projection: 'desired-state', ok: true, position: 40, liveDigest: 'ddd', rebuiltDigest: 'ddd', clusters: 2 },
      ],
    };
    expect(verifyText(report)).toBe(
      'config: ok, both agree at position 42 (1 object, digest aaa)\ndesired-state: ok, both agree at position 40 (2 clusters, digest ddd)\n',
    );
  });

  it('names the first difference of a projection that differs: a cluster, its item and field, both values', () => {
    const report: VerifyReport = {
      ...config,
      ok: false,
      projections: [
        { projection: 'config', ...config },
        {
          projection: 'desired-state',
          ok: false,
          position: 42,
          liveDigest: 'live',
          rebuiltDigest: 'replayed',
          clusters: 1,
          firstDivergence: { cluster: 'default', kind: 'virtual-router', name: 'vr-1', field: 'interfaces', live: [], rebuilt: [{ uuid: 'u' }] },
        },
      ],
    };
    expect(verifyText(report).split('\n')).toEqual([
      'config: ok, both agree at position 42 (1 object, digest aaa)',
      'desired-state: DIFFERENT at position 42: digest live (projection) vs replayed (replay)',
      '  first difference: cluster default virtual-router vr-1 field interfaces: [] (projection) vs [{"uuid":"u"}] (replay)',
      '',
    ]);
  });
});
