import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';

/** One file of a TLS set, with the variable (or flag) that named it, so that a problem can say where to look. */
export interface TlsFile {
  /** e.g. TLS_CERT_FILE, or --tls-cert. */
  variable: string;
  /** Absolute path. */
  path: string;
}

/**
 * The files of one TLS set. A server has a certificate and key, and a CA when it checks client certificates; a client
 * has a CA to check the server with, and a certificate and key when it presents one.
 */
export interface TlsFileSet {
  cert?: TlsFile;
  key?: TlsFile;
  ca?: TlsFile;
}

/** What a TLS set holds once read and checked: the PEM text as read, and the leaf certificate parsed. */
export interface TlsMaterial {
  /** The certificate chain, leaf first (PEM). */
  cert?: Buffer;
  /** The private key of the leaf (PEM, unencrypted). */
  key?: Buffer;
  /** Trusted CA certificates (PEM). */
  ca?: Buffer;
  /** The leaf of `cert`: serial, subject, validity. */
  certificate?: X509Certificate;
}

/** A file of a TLS set is missing, unreadable or wrong: names the variable, the file and the problem. */
export class TlsFileError extends Error {
  constructor(
    readonly variable: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${variable} (${path}): ${problem}`);
    this.name = 'TlsFileError';
  }
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----/;

/** Reads every file of `files` and checks them as one set; throws a TlsFileError naming the first problem. */
export function loadTlsMaterial(files: TlsFileSet): TlsMaterial {
  return checkTlsMaterial(files, {
    cert: files.cert && readTlsFile(files.cert),
    key: files.key && readTlsFile(files.key),
    ca: files.ca && readTlsFile(files.ca),
  });
}

/**
 * Checks the contents of a TLS set (pure: no file is read): the certificate file holds PEM certificates that
 * parse, the key file an unencrypted PEM private key that belongs to the first certificate, the CA file PEM
 * certificates; and OpenSSL accepts the whole set. Throws a TlsFileError naming the variable at fault.
 */
export function checkTlsMaterial(files: TlsFileSet, contents: { cert?: Buffer; key?: Buffer; ca?: Buffer }): TlsMaterial {
  const material: TlsMaterial = {};
  if (files.cert && contents.cert) {
    const chain = certificatesOf(files.cert, contents.cert, 'certificate');
    material.cert = contents.cert;
    material.certificate = chain[0]!;
  }
  if (files.key && contents.key) {
    const key = privateKeyOf(files.key, contents.key);
    if (material.certificate && files.cert && !material.certificate.checkPrivateKey(key)) {
      throw new TlsFileError(
        files.key.variable,
        files.key.path,
        `the key does not belong to the certificate in ${files.cert.variable} (${files.cert.path}: ${describeCertificate(material.certificate)})`,
      );
    }
    material.key = contents.key;
  }
  if (files.ca && contents.ca) {
    certificatesOf(files.ca, contents.ca, 'CA certificate');
    material.ca = contents.ca;
  }
  try {
    createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
  } catch (error) {
    const at = files.cert ?? files.ca ?? files.key;
    if (at) throw new TlsFileError(at.variable, at.path, `OpenSSL refuses the set: ${(error as Error).message}`);
    throw error;
  }
  return material;
}

/** `CN=…, serial …, valid until …`: a certificate as log lines and errors name it. */
export function describeCertificate(certificate: X509Certificate): string {
  return `${certificate.subject.replaceAll('\n', ', ')}, serial ${certificate.serialNumber}, valid until ${new Date(certificate.validTo).toISOString()}`;
}

function readTlsFile(file: TlsFile): Buffer {
  try {
    return readFileSync(file.path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new TlsFileError(file.variable, file.path, `cannot read the file: ${why}`);
  }
}

function certificatesOf(file: TlsFile, pem: Buffer, what: string): X509Certificate[] {
  const blocks = pem.toString('latin1').match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0) throw new TlsFileError(file.variable, file.path, `not a PEM ${what}: no -----BEGIN CERTIFICATE----- block`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new TlsFileError(file.variable, file.path, `PEM block ${index + 1} is not a ${what} that parses: ${(error as Error).message}`);
    }
  });
}

function privateKeyOf(file: TlsFile, pem: Buffer): KeyObject {
  const header = PRIVATE_KEY_BLOCK.exec(pem.toString('latin1'));
  if (!header) throw new TlsFileError(file.variable, file.path, 'not a PEM private key: no -----BEGIN … PRIVATE KEY----- block');
  if (header[1] === 'ENCRYPTED PRIVATE KEY') {
    throw new TlsFileError(file.variable, file.path, 'the private key is encrypted: give it unencrypted, in a file only this process can read');
  }
  try {
    return createPrivateKey(pem);
  } catch (error) {
    throw new TlsFileError(file.variable, file.path, `the private key does not parse: ${(error as Error).message}`);
  }
}
