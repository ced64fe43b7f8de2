// @peculiar/x509 resolves its ASN.1 services through tsyringe, which needs the Reflect metadata polyfill first.
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as x509 from '@peculiar/x509';

// Pure JS (WebCrypto + @peculiar/x509): a fresh machine needs no openssl binary.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const CA_YEARS = 10;
const SERVER_DAYS = 365;

export interface TlsMaterial {
  /** Absolute path of the CA certificate (PEM), for `NODE_EXTRA_CA_CERTS`. */
  caFile: string;
  caPem: string;
  /** Server certificate (PEM) for `localhost` and `127.0.0.1`, signed by the CA. */
  certPem: string;
  keyPem: string;
  /** base64 SHA-256 of the server and CA public keys, for Chromium's `--ignore-certificate-errors-spki-list`. */
  spkiPins: string[];
}

/**
 * Creates the CA in `<dataDir>/tls/` on first use and reuses it afterwards. The directory is written under a
 * temporary name and renamed into place, so concurrent first starts agree on one CA.
 */
export async function ensureCertificateAuthority(dataDir: string): Promise<{ caFile: string }> {
  const dir = join(resolve(dataDir), 'tls');
  const caFile = join(dir, 'ca.pem');
  if (existsSync(caFile)) return { caFile };
  mkdirSync(resolve(dataDir), { recursive: true });
  const staging = `${dir}.${process.pid}.${Date.now()}`;
  mkdirSync(staging, { recursive: true });
  const ca = await createCertificateAuthority();
  writeFileSync(join(staging, 'ca.pem'), ca.certPem);
  writeFileSync(join(staging, 'ca-key.pem'), ca.keyPem, { mode: 0o600 });
  try {
    renameSync(staging, dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(caFile)) throw error;
  }
  return { caFile };
}

/** The CA (created if absent) plus a fresh server certificate for this process. */
export async function loadTlsMaterial(dataDir: string): Promise<TlsMaterial> {
  const { caFile } = await ensureCertificateAuthority(dataDir);
  const caPem = readFileSync(caFile, 'utf8');
  const caKeyPem = readFileSync(join(caFile, '..', 'ca-key.pem'), 'utf8');
  const server = await createServerCertificate(caPem, caKeyPem);
  const spkiPins = [server.certPem, caPem].map((pem) =>
    createHash('sha256')
      .update(Buffer.from(new x509.X509Certificate(pem).publicKey.rawData))
      .digest('base64'),
  );
  return { caFile, caPem, certPem: server.certPem, keyPem: server.keyPem, spkiPins };
}

async function createCertificateAuthority(): Promise<{ certPem: string; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + CA_YEARS * 365 * 86_400_000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=Local Tenant Development CA, O=auth0-account-linking',
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

async function createServerCertificate(
  caPem: string,
  caKeyPem: string,
): Promise<{ certPem: string; keyPem: string }> {
  const ca = new x509.X509Certificate(caPem);
  const caKey = await webcrypto.subtle.importKey('pkcs8', pemBody(caKeyPem), ALGORITHM, false, ['sign']);
  const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - 60_000);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=localhost',
    issuer: ca.subject,
    notBefore,
    notAfter: new Date(notBefore.getTime() + SERVER_DAYS * 86_400_000),
    signingKey: caKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
