import { describe, expect, it } from '@jest/globals';
import { macAddressForInterface, normaliseMacAddress } from './mac-address.js';

describe('macAddressForInterface', () => {
  it("is 02: and the uuid's first ten hex digits in pairs", () => {
    expect(macAddressForInterface('8f2a1c3d-4b5e-4c6d-8e7f-001122334455')).toBe('02:8f:2a:1c:3d:4b');
    expect(macAddressForInterface('00000000-0000-0000-0000-000000000000')).toBe('02:00:00:00:00:00');
  });

  it('is lower case whatever the case of the uuid', () => {
    expect(macAddressForInterface('ABCDEF01-23CD-4c6d-8e7f-001122334455')).toBe('02:ab:cd:ef:01:23');
  });

  it.each(['not-a-uuid', '8f2a1c3d4b5e4c6d8e7f001122334455', '8f2a1c3d-4b5e-4c6d-8e7f-00112233445', ''])('refuses %p', (uuid) => {
    expect(() => macAddressForInterface(uuid)).toThrow(`'${uuid}' is not a uuid`);
  });
});

describe('normaliseMacAddress', () => {
  it('accepts six colon-separated hex pairs and lower-cases them', () => {
    expect(normaliseMacAddress('02:8F:2A:1c:3D:4b')).toBe('02:8f:2a:1c:3d:4b');
    expect(normaliseMacAddress('ff:ff:ff:ff:ff:ff')).toBe('ff:ff:ff:ff:ff:ff');
  });

  it.each(['02-8f-2a-1c-3d-4b', '028f.2a1c.3d4b', '02:8f:2a:1c:3d', '02:8f:2a:1c:3d:4b:5c', '2:8f:2a:1c:3d:4b', '02:8g:2a:1c:3d:4b', ' 02:8f:2a:1c:3d:4b'])(
    'refuses %p, naming it and the field',
    (mac) => {
      try {
        normaliseMacAddress(mac);
        throw new Error('expected a refusal');
      } catch (error) {
        expect(error).toMatchObject({ code: 'INVALID', field: 'virtual_machine_interface_mac_addresses.mac_address[0]' });
        expect((error as Error).message).toContain(`'${mac}' is not a MAC address`);
      }
    },
  );

  it('reports on the field it is given', () => {
    expect(() => normaliseMacAddress('x', 'virtual_machine_interface_allowed_address_pairs.allowed_address_pair[0].mac')).toThrow(
      expect.objectContaining({ field: 'virtual_machine_interface_allowed_address_pairs.allowed_address_pair[0].mac' }),
    );
  });
});
