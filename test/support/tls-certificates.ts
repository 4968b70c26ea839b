// Certificates for TLS tests, made at test time with the openssl command line (no key or certificate is committed):
// a CA, certificates it issues for servers (127.0.0.1 and localhost) and clients, all P-256 for speed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertificateFiles {
  cert: string;
  key: string;
}

export interface IssueOptions {
  /** The subject's CN. */
  commonName: string;
  /** Decimal serial; default: a fresh one each time. */
  serial?: number;
  /** server: serverAuth with SANs 127.0.0.1 and localhost; client: clientAuth; both: the two. */
  usage?: 'server' | 'client' | 'both';
  /** Valid from now for this many days (default 3). */
  days?: number;
  /** DNS subject alternative names of a client certificate (a server one always has 127.0.0.1 and localhost). */
  dnsNames?: string[];
}

let nextSerial = 1000 + Math.floor(Math.random() * 1000) * 1000;

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('the TLS tests need the openssl command (apt-get install openssl)');
    throw new Error(`openssl ${args.join(' ')} failed: ${stderr || (error as Error).message}`);
  }
}

/** A folder of certificates; remove() deletes it. */
export class CertificateWorkshop {
  readonly dir = mkdtempSync(join(tmpdir(), 'contrail-tls-'));

  /** A self-signed CA called `name` (files name.pem, name.key). */
  authority(name: string): CertificateFiles {
    const files = { cert: join(this.dir, `${name}.pem`), key: join(this.dir, `${name}.key`) };
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', files.key, '-out', files.cert, '-days', '3', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
      this.dir,
    );
    return files;
  }

  /** A certificate issued by `ca` (files name.pem, name.key); a new key unless `reuseKey` names one. */
  issue(ca: CertificateFiles, name: string, options: IssueOptions, reuseKey?: string): CertificateFiles {
    const key = reuseKey ?? join(this.dir, `${name}.key`);
    const files = { cert: join(this.dir, `${name}.pem`), key };
    const csr = join(this.dir, `${name}.csr`);
    const ext = join(this.dir, `${name}.ext`);
    const usage = options.usage ?? 'server';
    const lines = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyAgreement'];
    if (usage !== 'client') lines.push('subjectAltName=IP:127.0.0.1,DNS:localhost');
    else if (options.dnsNames?.length) lines.push(`subjectAltName=${options.dnsNames.map((name) => `DNS:${name}`).join(',')}`);
    lines.push(`extendedKeyUsage=${usage === 'server' ? 'serverAuth' : usage === 'client' ? 'clientAuth' : 'serverAuth,clientAuth'}`);
    writeFileSync(ext, `${lines.join('\n')}\n`);
    const keyArgs = reuseKey ? ['-key', reuseKey] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key];
    openssl(['req', '-new', ...keyArgs, '-out', csr, '-subj', `/CN=${options.commonName}`], this.dir);
    const serial = String(options.serial ?? nextSerial++);
    openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', serial, '-days', String(options.days ?? 3), '-extfile', ext, '-out', files.cert], this.dir);
    return files;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  read(path: string): Buffer {
    return readFileSync(path);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The usual cast: a CA, a server certificate (127.0.0.1, localhost; serverAuth and clientAuth, as a node's one set),
 * a client certificate from the CA, and a client certificate from another CA.
 */
export function standardCertificates(workshop = new CertificateWorkshop()): {
  workshop: CertificateWorkshop;
  ca: CertificateFiles;
  server: CertificateFiles;
  client: CertificateFiles;
  otherCa: CertificateFiles;
  strangerClient: CertificateFiles;
} {
  const ca = workshop.authority('test-ca');
  const otherCa = workshop.authority('other-ca');
  return {
    workshop,
    ca,
    otherCa,
    server: workshop.issue(ca, 'server', { commonName: 'localhost', usage: 'both' }),
    client: workshop.issue(ca, 'client', { commonName: 'agent-1', usage: 'client' }),
    strangerClient: workshop.issue(otherCa, 'stranger', { commonName: 'agent-1', usage: 'client' }),
  };
}
