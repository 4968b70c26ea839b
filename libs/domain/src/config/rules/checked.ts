import { AllocationError } from '../../allocation/allocation-error.js';
import { AddressFormatError } from '../../allocation/ip-address.js';
import { ConfigError } from '../config-error.js';

/** Runs allocation code and turns its errors into the config plane's one error type, keeping status and field. */
export function checked<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof AllocationError) throw new ConfigError(error.status, `${error.field}: ${error.message}`, error.field);
    if (error instanceof AddressFormatError) throw new ConfigError(400, error.message);
    throw error;
  }
}
