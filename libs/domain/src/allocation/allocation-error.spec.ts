import { describe, expect, it } from '@jest/globals';
import { AllocationError } from './allocation-error.js';
import * as allocation from '../index.js';

describe('AllocationError', () => {
  it('carries code, field and the HTTP-like status the edge answers with', () => {
    const error = new AllocationError('IN_USE', 'instance_ip_address', '10.1.1.5 is already allocated');
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'AllocationError', code: 'IN_USE', status: 409, field: 'instance_ip_address', message: '10.1.1.5 is already allocated' });
    expect(new AllocationError('INVALID', 'f', 'm').status).toBe(400);
    expect(new AllocationError('RESERVED', 'f', 'm').status).toBe(409);
    expect(new AllocationError('EXHAUSTED', 'f', 'm').status).toBe(409);
  });

  it('is exported with the rest of the allocation rules from the library root', () => {
    expect(allocation.AllocationError).toBe(AllocationError);
    expect(typeof allocation.planSubnet).toBe('function');
    expect(typeof allocation.nextFreeAddress).toBe('function');
    expect(allocation.VIRTUAL_NETWORK_ID_MAX).toBe(16_777_215);
  });
});
