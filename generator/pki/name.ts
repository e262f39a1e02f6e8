// A distinguished name as Go's pkix.Name writes one: one RelativeDistinguishedName per
// attribute, holding all of that attribute's values (`O=ops+O=devs`).
import { directoryString, objectIdentifier, sequence, setOf } from './der-write.ts';

const ATTRIBUTE_OIDS = { O: '2.5.4.10', CN: '2.5.4.3' } as const;

export type NameAttribute = keyof typeof ATTRIBUTE_OIDS;

/** The encoded Name, its attributes in the order given (pkix.Name's is O before CN). */
export function distinguishedName(attributes: readonly [NameAttribute, readonly string[]][]): Uint8Array {
  const rdns = attributes
    .filter(([, values]) => values.length > 0)
    .map(([attribute, values]) =>
      setOf(values.map((value) => sequence(objectIdentifier(ATTRIBUTE_OIDS[attribute]), directoryString(value)))),
    );
  return sequence(...rdns);
}
