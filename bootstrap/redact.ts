// Secrets must never reach a log line, the state file, `status` output or an error:
// kubeadm echoes parts of its config, and the bundle carries tokens and private keys.
// Everything the agent records passes through redact() on its way out.

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(?:-----END [A-Z0-9 ]+-----|$)/g;
/** The tail of a PEM block whose BEGIN line was cut off (e.g. the last lines of stderr). */
const PEM_TAIL = /^[\s\S]*-----END [A-Z0-9 ]+-----/;
const BOOTSTRAP_TOKEN = /[a-z0-9]{6}\.[a-z0-9]{16}/g;
/** base64 of "-----BEGIN", as kubeconfigs embed keys (client-key-data). */
const BASE64_PEM = /LS0tLS1CRUdJTi[A-Za-z0-9+/=]*/g;
/** A bare line of base64, such as the middle of a key whose BEGIN and END lines were cut off. */
const BASE64_LINE = /^[ \t]*[A-Za-z0-9+/]{40,}={0,2}[ \t]*$/gm;

export function redact(text: string): string {
  return text
    .replace(PEM_BLOCK, '[redacted PEM block]')
    .replace(PEM_TAIL, '[redacted PEM block]')
    .replace(BASE64_PEM, '[redacted base64 PEM]')
    .replace(BASE64_LINE, '[redacted base64]')
    .replace(BOOTSTRAP_TOKEN, '[redacted token]');
}
