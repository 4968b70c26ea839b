import { describe, expect, it } from '@jest/globals';
import { agentIdentityProblem, certificateNames } from './agent-identity.js';

describe('certificateNames', () => {
  it('reads the CN of an X509Certificate subject and the DNS alternative names, not the IP ones', () => {
    expect(certificateNames('C=NL\nO=Lab\nCN=compute-1', 'DNS:compute-1.lab, IP Address:10.0.0.1, DNS:compute-1')).toEqual(['compute-1', 'compute-1.lab', 'compute-1']);
  });

  it('reads a TLS peer certificate subject object, with one CN or several', () => {
    expect(certificateNames({ CN: 'a', O: 'Lab' }, undefined)).toEqual(['a']);
    expect(certificateNames({ CN: ['a', 'b'] }, 'DNS:c')).toEqual(['a', 'b', 'c']);
  });

  it('a certificate without either names nothing', () => {
    expect(certificateNames(undefined, undefined)).toEqual([]);
    expect(certificateNames('O=Lab', 'IP Address:10.0.0.1')).toEqual([]);
  });
});

describe('agentIdentityProblem', () => {
  it('any: every name goes, with or without a certificate', () => {
    expect(agentIdentityProblem('any', 'compute-1', undefined)).toBeUndefined();
    expect(agentIdentityProblem('any', 'compute-1', ['other'])).toBeUndefined();
  });

  it('certificate: the name must be one the certificate names, without regard to case', () => {
    expect(agentIdentityProblem('certificate', 'Compute-1', ['compute-1'])).toBeUndefined();
    expect(agentIdentityProblem('certificate', 'compute-2', ['compute-1', 'compute-1.lab'])).toBe(
      'AGENT_IDENTITY=certificate: agent name "compute-2" is not one its client certificate names ("compute-1", "compute-1.lab")',
    );
    expect(agentIdentityProblem('certificate', 'compute-1', [])).toContain('(no names)');
  });

  it('certificate: a session without a client certificate is refused, saying so', () => {
    expect(agentIdentityProblem('certificate', 'compute-1', undefined)).toContain('connected without a client certificate');
  });
});
