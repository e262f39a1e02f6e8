// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the
// reflect-metadata polyfill loaded before the library, and it signs with whichever
// WebCrypto it is handed. Importing the library through this module guarantees both.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
