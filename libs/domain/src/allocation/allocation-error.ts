/**
 * Why a subnet definition, an address or a number was refused. `code` says what kind of refusal it is and
 * `status` is the HTTP-like code the edge answers with (Contrail answers 400 for bad input and 409 when the
 * value is taken or the subnet is full), so the mapping happens once, here.
 */
export type AllocationErrorCode =
  /** Malformed or inconsistent input: a bad address, a pool outside its subnet, a number out of range. */
  | 'INVALID'
  /** The requested address is the subnet's network, broadcast, gateway or DNS server address. */
  | 'RESERVED'
  /** The requested address or number is already allocated. */
  | 'IN_USE'
  /** Nothing is left to allocate. */
  | 'EXHAUSTED';

export type AllocationErrorStatus = 400 | 409;

const STATUS_BY_CODE: Readonly<Record<AllocationErrorCode, AllocationErrorStatus>> = {
  INVALID: 400,
  RESERVED: 409,
  IN_USE: 409,
  EXHAUSTED: 409,
};

export class AllocationError extends Error {
  readonly status: AllocationErrorStatus;

  /**
   * @param field the path of the offending field in the request, e.g. `ipam_subnets[0].default_gateway`
   * @param message a sentence that names the offending value and what is allowed
   */
  constructor(
    readonly code: AllocationErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
    this.status = STATUS_BY_CODE[code];
  }
}
