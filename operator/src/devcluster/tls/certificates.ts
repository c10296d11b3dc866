/**
 * A certificate authority and a serving certificate for 127.0.0.1/localhost, made with
 * the machine's `openssl` (Node can create keys but not sign certificates). Kept in a
 * directory so a restarted devcluster with the same state directory presents the same
 * CA, and kubeconfigs written earlier stay valid.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCertificates {
  /** PEM of the CA that signed `cert`: what clients trust. */
  ca: string;
  cert: string;
  key: string;
}

const EXTENSIONS = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
].join('\n');

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function openssl(args: string[]): Promise<void> {
  await run('openssl', args, { timeout: 30_000 });
}

/** Reads the CA and serving pair from `directory`, creating them first when missing. */
export async function servingCertificates(directory: string): Promise<ServingCertificates> {
  const path = (name: string): string => join(directory, name);
  if (!(await exists(path('server.crt')))) {
    await mkdir(directory, { recursive: true, mode: 0o700 });
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await openssl([
      'req',
      '-x509',
      ...ec,
      '-keyout',
      path('ca.key'),
      '-out',
      path('ca.crt'),
      '-subj',
      '/CN=devcluster-ca',
      '-days',
      '3650',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    await openssl([
      'req',
      ...ec,
      '-keyout',
      path('server.key'),
      '-out',
      path('server.csr'),
      '-subj',
      '/CN=devcluster',
    ]);
    await writeFile(path('server.ext'), `${EXTENSIONS}\n`);
    await openssl([
      'x509',
      '-req',
      '-in',
      path('server.csr'),
      '-CA',
      path('ca.crt'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-out',
      path('server.crt'),
      '-days',
      '825',
      '-extfile',
      path('server.ext'),
    ]);
  }
  const [ca, cert, key] = await Promise.all(
    ['ca.crt', 'server.crt', 'server.key'].map((name) => readFile(path(name), 'utf8')),
  );
  return { ca: ca ?? '', cert: cert ?? '', key: key ?? '' };
}
